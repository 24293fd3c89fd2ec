"""bnlib's forward + backward against PyTorch's (F.batch_norm + autograd), on the CPU.

Both run in this process, interleaved, on the same float32 data; each figure
is the best of many timed repeats (the least disturbed by other load). The
target: bnlib takes at most 2x PyTorch's time, PyTorch at its default number
of threads (numpy's elementwise operations use one); PyTorch on one thread is
timed too, for the like-for-like comparison.

Both are timed after warm-up. In a fresh process, glibc's allocator hands
arrays of about 1 MB back to the system on every free, so each new array
page-faults (about 500 faults per forward + backward at (256, 1024)) and
*both* libraries run about 3x slower until a larger block has been freed once.
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
    threads = torch.get_num_threads()
    a = b = b1 = float("inf")
    for _ in range(rounds):  # interleaved, so all three see the same machine
        a = min(a, best_ms(ours, 3, number))
        b = min(b, best_ms(theirs, 3, number))
        torch.set_num_threads(1)
        b1 = min(b1, best_ms(theirs, 3, number))
        torch.set_num_threads(threads)
    return a, b, b1


def main() -> int:
    rows, over = [], 0
    threads = torch.get_num_threads()
    for shape in SHAPES:
        ours, theirs, theirs_1 = measure(shape)
        ratio = ours / theirs
        over += ratio > TARGET
        verdict = "ok" if ratio <= TARGET else "OVER"
        one = [f"{theirs_1:.3f}", f"{ours / theirs_1:.2f}"]
        rows.append([str(shape), f"{ours:.3f}", f"{theirs:.3f}", f"{ratio:.2f}", f"≤ {TARGET:g}"])
        rows[-1] += [verdict, *one]
    print(
        f"BN forward + backward, float32, CPU (torch {torch.__version__}, "
        f"{threads} threads; numpy {np.__version__}), best times in ms\n"
    )
    head = ["shape", "bnlib", f"torch ({threads} threads)", "ratio", "target", ""]
    print(table([*head, "torch (1 thread)", "ratio"], rows))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
