"""Execution time of every notebook (lessons and labs), top to bottom in a fresh kernel.

Budget 25 s here, so that a notebook stays within 30 s on machines of this kind
that run up to 1.2x slower (issue 13). Run on an otherwise idle machine;
nothing is written back. ``bench_notebooks.py [NOTEBOOK ...]`` times only those.
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

BUDGET_S = 25.0


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
    rows, over = [], 0
    paths = [Path(p) for p in sys.argv[1:]] or sorted(
        [*(ROOT / "notebooks").glob("*.ipynb"), *(ROOT / "notebooks" / "labs").glob("*.ipynb")]
    )
    for path in paths:
        seconds = run(path)
        over += seconds > BUDGET_S
        rows.append(
            [
                path.stem,
                f"{seconds:.1f}",
                f"{BUDGET_S:.0f}",
                "ok" if seconds <= BUDGET_S else "OVER",
            ]
        )
    print("Notebook execution time (fresh kernel, Run All, seconds)\n")
    print(table(["notebook", "s", "budget s", ""], rows))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
