"""The capstone's offline grader (notebook 08): score handed-in notebooks without opening
them, and say why each scored what it did.

``python -m bnlib.notebook.capstone NOTEBOOK ...`` runs each notebook's two answer cells
(tagged ``capstone-layer``: the class; ``capstone-report``: the accuracy) in a fresh
namespace, and nothing else, then every check of ``bnlib.notebook.capstone``. So a name
defined in another cell is undefined here, and ``my_accuracy`` must be typed in the report
cell: the notes say so when that is what cost points. This runs the learner's code, as
opening the notebook would.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np

from bnlib.notebook import capstone

ANSWER_TAGS = {"capstone-layer": "the class cell", "capstone-report": "the report cell"}
ONLY_TWO_CELLS = "the grader runs only the class cell and the report cell"


class NotWritten:
    """Stands in for a class the notebook does not define."""

    def __init__(self, num_features):
        raise NotImplementedError


def _run_answer_cells(cells) -> tuple[dict, list[str]]:
    """The namespace after the tagged cells, and what went wrong running them."""
    space, notes = {"np": np, "capstone": capstone}, []
    for tag, cell_name in ANSWER_TAGS.items():
        tagged = [c for c in cells if tag in c.get("metadata", {}).get("tags", [])]
        if not tagged:
            notes.append(f"no cell is tagged {tag} ({cell_name}): was it deleted or replaced?")
        for cell in tagged:
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    exec("".join(cell["source"]), space)  # the learner's cell
            except Exception as e:  # that part scores as not attempted; the note says why
                notes.append(f"{cell_name} raised {type(e).__name__}: {e}")
    return space, notes


def grade(path) -> capstone.Score:
    """Score a handed-in notebook 08; ``.reasons()`` says why it lost each point."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    space, notes = _run_answer_cells(cells)
    if "MyBatchNorm1d" not in space:
        notes.append("the class cell does not define MyBatchNorm1d")
    if "my_accuracy" not in space:
        notes.append(f"my_accuracy is not a number typed in the report cell ({ONLY_TWO_CELLS})")
    result = capstone.score(space.get("MyBatchNorm1d", NotWritten), space.get("my_accuracy"))
    if any("NameError" in r.message for _, r in result):
        notes.append(f"{ONLY_TWO_CELLS}: write helpers and imports inside the class cell")
    return capstone.Score(result, notes)


def main(paths: list[str]) -> int:
    """One score line per notebook, then why it lost points, one indented line each."""
    for path in paths:
        score = grade(path)
        print(f"{path}: {repr(score).splitlines()[-1]}")
        for reason in score.reasons():
            print(f"    {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
