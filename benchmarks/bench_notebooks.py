"""Execution time of every notebook (lessons and labs), top to bottom in a fresh kernel.

Budgets (LESSONS.md): a lesson runs in at most 15 s here, a lab in at most 30 s.
Each notebook runs ``--repeat`` times (default 2); the table shows the fastest and
the slowest run, and the budget is checked against the fastest (the host's own noise
only ever adds time). Run on an otherwise idle machine; nothing is written back.
``bench_notebooks.py [--repeat N] [NOTEBOOK ...]`` times only those.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._table import table  # noqa: E402

LESSON_BUDGET_S, LAB_BUDGET_S = 15.0, 30.0


def budget(path: Path) -> float:
    return LAB_BUDGET_S if path.parent.name == "labs" else LESSON_BUDGET_S


def run(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    t0 = time.perf_counter()
    client.execute()
    return time.perf_counter() - t0


def main() -> int:
    os.environ.setdefault("PYTHONHASHSEED", "0")
    args, repeat = sys.argv[1:], 2
    if args[:1] == ["--repeat"]:
        repeat, args = int(args[1]), args[2:]
    rows, over = [], 0
    paths = [Path(p) for p in args] or [
        *sorted((ROOT / "notebooks").glob("*.ipynb")),
        *sorted((ROOT / "notebooks" / "labs").glob("*.ipynb")),
    ]
    for path in paths:
        times = sorted(run(path) for _ in range(repeat))
        fits = times[0] <= budget(path)
        over += not fits
        spread = f"{times[0]:.1f}" + (f"–{times[-1]:.1f}" if repeat > 1 else "")
        rows.append([path.stem, spread, f"{budget(path):.0f}", "ok" if fits else "OVER"])
    print(f"Notebook execution time (fresh kernel, Run All, seconds; {repeat} runs each)\n")
    print(table(["notebook", "s", "budget s", ""], rows))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
