"""Plain-text tables for notebook outputs: stable under nbval, readable when projected."""

from __future__ import annotations

from collections.abc import Sequence


def text_table(header: Sequence[str], rows: Sequence[Sequence], *, left: int = 1) -> str:
    """A table with a header row, columns as wide as their widest entry, two spaces apart.

    The first ``left`` columns (labels) are left-aligned, the rest (numbers) right-aligned.
    Entries are shown with ``str``: round numbers before (``viz.num``, ``viz.pct``).

    >>> print(text_table(["model", "accuracy"], [["BN", "97.1%"], ["no BN", "91%"]]))
    model  accuracy
    BN        97.1%
    no BN       91%
    """
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    if any(len(row) != len(cells[0]) for row in cells):
        widths = sorted({len(row) for row in cells})
        expected = f"expected every row to have {len(cells[0])} entries, like the header"
        raise ValueError(f"{expected} (got rows of {widths} entries)")
    widths = [max(len(row[k]) for row in cells) for k in range(len(cells[0]))]
    lines = []
    for row in cells:
        parts = [
            c.ljust(w) if k < left else c.rjust(w)
            for k, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)
