"""Slider update latency of every registered dashboard, per control.

Measured in the kernel's process: the callback (computation + artist
updates) plus the Agg redraw and PNG encode of the frame ipympl sends,
median over 7 moves across the slider's range. The browser's own paint
is not included.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bnlib.notebook.figures  # noqa: F401  (registers every dashboard)
from benchmarks._table import table
from bnlib.notebook.widgets import REGISTRY


def main() -> int:
    rows, failed = [], 0
    for name in sorted(REGISTRY):
        dash = REGISTRY[name]()
        dash.time_updates(steps=2)  # warm-up
        for control, ms in dash.time_updates(steps=7).items():
            ok = ms <= dash.target_ms
            failed += not ok
            label = dash.controls[control].description or control
            rows.append([name, label, f"{ms:.0f}", f"{dash.target_ms:.0f}", "ok" if ok else "OVER"])
    print("Slider update latency (callback + redraw + PNG encode, median ms)\n")
    print(table(["dashboard", "control", "ms", "target ms", ""], rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
