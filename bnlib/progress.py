"""Progress bars for long work (over ~2 s) in the notebooks."""

from __future__ import annotations

import os


def progress(iterable, total: int | None = None, desc: str = ""):
    """``tqdm.auto`` over ``iterable``, or the iterable itself when ``BNLIB_PROGRESS=0``.

    ``make notebooks`` and ``make test`` set ``BNLIB_PROGRESS=0``: a progress
    bar's final state is not reproducible output, so stored notebooks omit it.
    In JupyterLab the bar shows while the work runs and then disappears.
    """
    if os.environ.get("BNLIB_PROGRESS", "1") == "0":
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, leave=False)
