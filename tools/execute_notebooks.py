"""Re-execute notebooks in place, deterministically, so stored outputs can be refreshed.

``make notebooks`` runs this on notebooks/*.ipynb. Each notebook runs top to
bottom in a fresh ``python3`` kernel started from notebooks/. Afterwards:
widget views are dropped from the stored outputs (their models live only in
a running kernel; the text fallback and the static PNG next to each
dashboard stay), consecutive prints of a cell are stored as one output, no
widget state or timing metadata is kept, and a notebook that stores an error
(outside a ``raises-exception`` cell) is not written.

``--disturb`` (``make disturbed``, part of ``make test``) writes nothing: it
runs each notebook with float rounding disturbed the way another CPU's
kernels would disturb it (see ``disturbed_env``) and fails if any cell
raises, in particular any claim check (``bnlib.portable.claim``).
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


def disturbed_env() -> dict[str, str]:
    """The environment of a disturbed run: other kernels where a switch exists, else noise.

    - torch: the next lower kernel family (``ATEN_CPU_CAPABILITY``: AVX-512 -> AVX2 ->
      the portable ``default``), as a CPU without the wider vectors would run;
    - numpy's own loops (sums, reductions, ufuncs): the SIMD extensions above the
      lowest one found are switched off (``NPY_DISABLE_CPU_FEATURES``);
    - BLAS (OpenBLAS picks its kernel from the CPU, and its only switch, the
      OPENBLAS_* variables, is the machine owner's, never ours): every seeded
      initial weight in bnlib is multiplied by ``1 + 1e-6 u`` (``BNLIB_DISTURB``),
      which a training run amplifies just as it amplifies a kernel's last bits.
    """
    import torch
    from numpy._core import _multiarray_umath as npcore

    lower = {"AVX512": "avx2"}.get(torch.backends.cpu.get_cpu_capability(), "default")
    found = [f for f in npcore.__cpu_dispatch__ if npcore.__cpu_features__.get(f)]
    env = {"BNLIB_DISTURB": "1e-6", "ATEN_CPU_CAPABILITY": lower}
    if len(found) > 1:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(found[1:])
    return env


def execute(path: Path, timeout: int = 600, write: bool = True) -> float:
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
    if not write:
        return seconds
    strip_widget_views(nb)
    coalesce_streams(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--disturb", action="store_true", help="run disturbed; write nothing")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    if args.disturb:
        env = disturbed_env()
        os.environ.update(env)
        print("disturbed run: " + " ".join(f"{k}={v!r}" for k, v in env.items()), flush=True)
    failed = 0
    for path in args.notebooks:
        try:
            seconds = execute(path, write=not args.disturb)
            print(
                f"{path}: {seconds:.1f} s" + (" (disturbed, not written)" if args.disturb else ""),
                flush=True,
            )
        except Exception as e:  # report every notebook, then fail
            print(f"{path}: FAILED\n{e}", file=sys.stderr, flush=True)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
