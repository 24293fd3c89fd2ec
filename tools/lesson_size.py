"""Does each lesson fit a 50-minute class? Words, reading time, key ideas, exercises, labs.

    python tools/lesson_size.py [NOTEBOOK ...]     (default: every lesson and lab)

Counted from the stored notebook, nothing is executed:

- words: the student prose, i.e. the words of every markdown cell outside the
  *Teaching notes* section (those are for the teacher);
- reading: words at 120 a minute, which the header's *Time* must include;
- key ideas: markdown cells that open a section with **Key idea: ...**;
- exercises: code cells that call an auto-checker (``<exercise>.check(...)``);
- labs: the labs a lesson links to (``labs/NNx_....ipynb``), and the lesson a lab
  names.

Run All time is measured by ``benchmarks/bench_notebooks.py``, not here.
tests/test_lesson_size.py holds every lesson to LESSONS.md's limits with this.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS_PER_MINUTE = 120
MAX_WORDS = 2000  # a lesson's student prose (00 and 02 may stay as they are)
MIN_KEY_IDEAS = MIN_EXERCISES = 3
LONG_ALLOWED = ("00_", "02_")  # start-here and Algorithm 1: the model lessons, kept whole

_TEACHER_ONLY = re.compile(r"^#+\s*Teaching notes", re.I)
_HEADING = re.compile(r"^#{1,2}\s")
_KEY_IDEA = re.compile(r"\*\*Key idea:")
_CHECK = re.compile(r"\b\w+(\.\w+)*\.check\(")
_TIME = re.compile(r"\*\*Time:?\*\*:?[^0-9]*(\d+)(?:\s*[–-]\s*(\d+))?\s*min", re.I)
_LAB_LINK = re.compile(r"labs/(\d\d[a-z]_\w+)\.ipynb")
_LESSON_LINK = re.compile(r"(?:\.\./)?(\d\d_\w+)\.ipynb")


@dataclass(frozen=True)
class Size:
    name: str
    lab: bool
    words: int
    key_ideas: int
    exercises: int
    header_minutes: int | None  # the larger end of the header's *Time*, if given
    links: tuple[str, ...]  # labs a lesson links to; lessons a lab names

    @property
    def reading_minutes(self) -> float:
        return self.words / WORDS_PER_MINUTE

    def problems(self) -> list[str]:
        """What breaks LESSONS.md's limits (empty when it fits)."""
        out = []
        if self.header_minutes is None:
            out.append("no *Time* in the header")
        elif self.header_minutes < self.reading_minutes:
            reading = f"{self.reading_minutes:.0f} min at {WORDS_PER_MINUTE} words a minute"
            out.append(f"*Time* {self.header_minutes} min leaves out reading ({reading})")
        if self.lab:
            if not self.links:
                out.append("a lab names the lesson it deepens (a link to NN_....ipynb)")
            return out
        if self.words > MAX_WORDS and not self.name.startswith(LONG_ALLOWED):
            out.append(f"{self.words} words of student prose (at most {MAX_WORDS})")
        if self.key_ideas < MIN_KEY_IDEAS:
            out.append(f"{self.key_ideas} **Key idea:** sections (at least {MIN_KEY_IDEAS})")
        if self.exercises < MIN_EXERCISES:
            out.append(f"{self.exercises} auto-checked exercises (at least {MIN_EXERCISES})")
        return out


def measure(path: Path) -> Size:
    """Count one stored notebook (see the module docstring for what is counted)."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    words = key_ideas = exercises = 0
    teacher_only, header, links = False, None, []
    for cell in cells:
        text = "".join(cell["source"])
        if cell["cell_type"] == "code":
            exercises += bool(_CHECK.search(text))
            continue
        if cell["cell_type"] != "markdown":
            continue
        if _HEADING.match(text):
            teacher_only = bool(_TEACHER_ONLY.match(text))
        if header is None and (m := _TIME.search(text)):
            header = int(m.group(2) or m.group(1))
        links += _LAB_LINK.findall(text) + _LESSON_LINK.findall(text)
        if not teacher_only:
            words += len(text.split())
            key_ideas += bool(_KEY_IDEA.search(text))
    lab = Path(path).parent.name == "labs"
    own = Path(path).stem
    wanted = [k for k in dict.fromkeys(links) if k != own and (k[2] == "_") == lab]
    return Size(own, lab, words, key_ideas, exercises, header, tuple(wanted))


def notebooks() -> list[Path]:
    """Every lesson, then every lab, in order."""
    return sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
        (ROOT / "notebooks" / "labs").glob("*.ipynb")
    )


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or notebooks()
    bad = 0
    columns = f"{'words':>6} {'read':>5} {'Time':>5} {'key':>4} {'ex':>3}"
    print(f"{'notebook':40} {columns}  links / problems")
    for path in paths:
        s = measure(path)
        problems = s.problems()
        bad += bool(problems)
        time = "-" if s.header_minutes is None else s.header_minutes
        columns = f"{s.words:6} {s.reading_minutes:5.0f} {time:>5} {s.key_ideas:4} {s.exercises:3}"
        print(f"{s.name:40} {columns}  {', '.join(s.links) or '-'}")
        for p in problems:
            print(f"{'':42}✗ {p}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
