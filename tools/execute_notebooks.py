"""Re-execute notebooks in place, deterministically, so stored outputs can be refreshed.

``make notebooks`` runs this on notebooks/*.ipynb. Each notebook runs top to
bottom in a fresh ``python3`` kernel started from notebooks/. Afterwards:
widget views are dropped from the stored outputs (their models live only in
a running kernel; the text fallback and the static PNG next to each
dashboard stay), consecutive prints of a cell are stored as one output, no
widget state or timing metadata is kept, and a notebook that stores an error
(outside a ``raises-exception`` cell) is not written.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def strip_widget_views(nb) -> None:
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            out.get("data", {}).pop(WIDGET_VIEW, None)
    nb.metadata.pop("widgets", None)


def coalesce_streams(nb) -> None:
    """Merge consecutive stdout (or stderr) outputs of a cell into one: how many pieces a
    cell's prints arrive in depends on the kernel's flush timing, not on the code."""
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", []):
            prev = merged[-1] if merged else {}
            stream = out.get("output_type") == prev.get("output_type") == "stream"
            if stream and prev["name"] == out["name"]:
                prev["text"] += out["text"]
            else:
                merged.append(out)
        if "outputs" in cell:
            cell.outputs = merged


def stored_errors(nb) -> list[str]:
    errors = []
    for i, cell in enumerate(nb.cells):
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
    return errors


def execute(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    nb.metadata["kernelspec"] = KERNELSPEC
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=False,
        allow_errors=True,
    )
    t0 = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - t0
    errors = stored_errors(nb)
    if errors:
        raise RuntimeError(f"{path} raised errors, not written:\n  " + "\n  ".join(errors))
    strip_widget_views(nb)
    coalesce_streams(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    failed = 0
    for path in args.notebooks:
        try:
            print(f"{path}: {execute(path):.1f} s", flush=True)
        except Exception as e:  # report every notebook, then fail
            print(f"{path}: FAILED\n{e}", file=sys.stderr, flush=True)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
