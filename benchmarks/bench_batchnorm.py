"""bnlib's forward + backward against PyTorch's (F.batch_norm + autograd), on the CPU.

Both run in this process, interleaved, on the same float32 data; each figure
is the best of many timed repeats (the least disturbed by other load). The
target: bnlib takes at most 2x PyTorch's time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._table import table
from bnlib.functional import batch_norm_backward, batch_norm_train

SHAPES = [(256, 1024), (64, 64, 32, 32)]
TARGET = 2.0


def best_ms(fn, repeats: int, number: int) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return 1e3 * best


def measure(shape, rounds: int = 15):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    dy = rng.standard_normal(shape, dtype=np.float32)
    c = shape[1]
    gamma, beta = np.ones(c, np.float32), np.zeros(c, np.float32)

    def ours():
        _, cache = batch_norm_train(x, gamma, beta)
        batch_norm_backward(dy, cache)

    xt = torch.from_numpy(x).requires_grad_(True)
    gt, bt = (
        torch.from_numpy(gamma).requires_grad_(True),
        torch.from_numpy(beta).requires_grad_(True),
    )
    dyt = torch.from_numpy(dy)

    def theirs():
        y = torch.nn.functional.batch_norm(xt, None, None, gt, bt, training=True)
        y.backward(dyt)

    number = max(1, int(2e6 // x.size))  # about the same work per timing
    a = b = float("inf")
    for _ in range(rounds):  # interleaved, so both see the same machine
        a = min(a, best_ms(ours, 3, number))
        b = min(b, best_ms(theirs, 3, number))
    return a, b


def main() -> int:
    rows, over = [], 0
    for shape in SHAPES:
        ours, theirs = measure(shape)
        ratio = ours / theirs
        over += ratio > TARGET
        rows.append(
            [
                str(shape),
                f"{ours:.3f}",
                f"{theirs:.3f}",
                f"{ratio:.2f}",
                f"≤ {TARGET:g}",
                "ok" if ratio <= TARGET else "OVER",
            ]
        )
    print(
        f"BN forward + backward, float32, CPU (torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; numpy {np.__version__})\n"
    )
    print(table(["shape", "bnlib ms", "torch ms", "ratio", "target", ""], rows))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
