"""Slide metadata for the lessons: which cell starts a slide, which is shown, which is skipped.

A lesson is presented live in JupyterLab with RISE (``jupyterlab-rise``, sliders
included) or as a static reveal.js deck (``make slides``); both read each cell's
``metadata.slideshow.slide_type``. This tool sets it by rules, so a teacher gets
~10-15 slides per lesson without editing cell by cell, and a rewritten lesson
gets its slides again by running the tool once more.

The rules, in order (the first that applies wins):

1. the header cell (title, *What you'll learn*) is a ``slide``;
2. a markdown cell with a ``## `` heading is a ``slide``, except
   *Teaching notes*, which go to the speaker notes (``notes``) with every cell of
   that section (its code cells: ``skip``);
3. a **Key idea** paragraph is shown: on the heading's slide when it follows the
   heading directly, else it starts a ``subslide``;
4. a code cell whose stored output is a figure (``image/png``) is shown on a
   ``subslide`` of its own; a dashboard cell (stored as its ``Dashboard:`` text,
   live sliders under RISE) too;
5. in *Exercises*, each prompt is a ``subslide`` and its code cell is shown under it;
6. any other markdown is the teacher's speaker notes (``notes``); any other code
   cell (imports, claim checks, printouts, plumbing) is ``skip``ped.

Idempotent: running it twice changes nothing, and only ``metadata.slideshow`` is
touched (nbformat's JSON layout as JupyterLab writes it: indent 1, a final newline).

    python tools/slides.py notebooks/0*.ipynb      # set the metadata
    python tools/slides.py --check notebooks/0*.ipynb   # exit 1 if any would change
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LESSON = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")
KEY_IDEA = re.compile(r"^\s*\*\*Key idea", re.IGNORECASE)
HEADING = re.compile(r"^##\s+(.*)$", re.MULTILINE)
SPEAKER_ONLY = {"teaching notes"}
EXERCISES = {"exercises"}


def lessons(folder: Path = REPO / "notebooks") -> list[Path]:
    """The lessons (``notebooks/NN_topic.ipynb``), in their order; labs are not presented."""
    return sorted(p for p in folder.glob("*.ipynb") if LESSON.match(p.name))


def cell_text(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _heading(cell: dict) -> str | None:
    """The last ``## `` heading in a markdown cell, lower-cased (the section the cell
    leaves off in); None if it has none. Code blocks are not searched."""
    text = re.sub(r"```.*?```", "", cell_text(cell), flags=re.DOTALL)
    found = HEADING.findall(text)
    return found[-1].strip().lower() if found else None


def _outputs_text(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        plain = out.get("data", {}).get("text/plain", "")
        parts.append("".join(plain) if isinstance(plain, list) else plain)
    return "\n".join(parts)


def has_figure(cell: dict) -> bool:
    return any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))


def is_dashboard(cell: dict) -> bool:
    """A cell that displays a dashboard: stored as its ``Dashboard: …`` text fallback."""
    return _outputs_text(cell).lstrip("'[\"").startswith("Dashboard:")


def slide_types(nb: dict) -> list[str]:
    """One ``slide_type`` per cell of ``nb`` by the rules in this module's docstring."""
    types: list[str] = []
    section = ""  # the current ## heading, lower-cased
    fresh_slide = False  # the last shown cell started a slide and nothing followed on it
    for i, cell in enumerate(nb["cells"]):
        kind = cell["cell_type"]
        heading = _heading(cell) if kind == "markdown" else None
        if heading is not None:
            section = heading
        if i == 0:
            t = "slide"
        elif heading is not None:
            t = "notes" if heading in SPEAKER_ONLY else "slide"
        elif section in SPEAKER_ONLY:
            t = "notes" if kind == "markdown" else "skip"
        elif kind == "markdown" and KEY_IDEA.match(cell_text(cell)):
            t = "-" if fresh_slide else "subslide"
        elif kind == "code" and (has_figure(cell) or is_dashboard(cell)):
            t = "subslide"
        elif section in EXERCISES:
            t = "subslide" if kind == "markdown" else "-"
        else:
            t = "notes" if kind == "markdown" else "skip"
        if t in ("slide", "subslide"):
            fresh_slide = heading is not None or i == 0
        elif t == "-":
            fresh_slide = False
        types.append(t)
    return types


def apply(nb: dict) -> bool:
    """Set every cell's ``slideshow.slide_type``; True if anything changed."""
    changed = False
    for cell, t in zip(nb["cells"], slide_types(nb), strict=True):
        meta = cell.setdefault("metadata", {})
        if meta.get("slideshow") != {"slide_type": t}:
            meta["slideshow"] = {"slide_type": t}
            changed = True
    return changed


def dumps(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every lesson")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a file would change"
    )
    args = parser.parse_args(argv)
    stale = []
    for path in args.notebooks or lessons():
        nb = json.loads(path.read_text(encoding="utf-8"))
        if apply(nb):
            stale.append(path)
            if not args.check:
                path.write_text(dumps(nb), encoding="utf-8")
        slides = sum(c["metadata"]["slideshow"]["slide_type"] == "slide" for c in nb["cells"])
        print(f"{path.name}: {slides} slides{' (changed)' if path in stale else ''}")
    if args.check and stale:
        print("slide metadata out of date: run python tools/slides.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
