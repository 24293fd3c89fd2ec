"""Execution time of every notebook, top to bottom in a fresh kernel (budget 30 s).

Run one at a time on an otherwise idle machine; nothing is written back.
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

BUDGET_S = 30.0


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
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
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
