"""The benchmarks checked. Figure 1 on a few steps: it runs, prints both tables, and its two
trainers (the plain PyTorch loop and bnlib's stacked trainer) end at the same test accuracies.
The BN benchmark's numpy floor: it computes batch normalization, forward and backward."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_figure1_runs_and_its_trainers_agree():
    script = ROOT / "benchmarks" / "bench_figure1.py"
    out = subprocess.run(
        [sys.executable, str(script), "--steps", "30"],
        capture_output=True,
        text=True,
        env={"BNLIB_PROGRESS": "0", "PATH": ""},
        check=False,
    )
    assert out.returncode in (0, 1), out.stderr  # 1: a target missed, not a crash
    for row in ("| 1 ", "| 2 ", "| best ", "| fast trainer <= 20 s", "| plain / fast >= 4x"):
        assert row in out.stdout, f"{row!r} missing from:\n{out.stdout}"
    found = re.findall(r"^\s+(\w+)\s+(\d) thread\(s\): (.+)$", out.stdout, flags=re.M)
    accs = {f"{who} {threads}": values for who, threads, values in found}
    assert sorted(accs) == ["fast 1", "fast 2", "plain 1", "plain 2"], out.stdout
    for threads in (1, 2):
        fast = [float(a) for a in accs[f"fast {threads}"].split(", ")]
        plain = [float(a) for a in accs[f"plain {threads}"].split(", ")]
        assert max(abs(f - p) for f, p in zip(fast, plain, strict=True)) <= 0.005, (fast, plain)


def test_numpy_floor_is_batch_norm():
    """The BN benchmark's numpy floor computes BN forward + backward (on well-scaled data),
    so its time is a floor for real work, not for something cheaper."""
    import numpy as np

    from benchmarks.bench_batchnorm import numpy_floor
    from bnlib.functional import batch_norm_backward, batch_norm_train

    rng = np.random.default_rng(1)
    x, dy = (rng.standard_normal((64, 32)) * 3 + 1 for _ in range(2))
    gamma, beta = rng.standard_normal(32), rng.standard_normal(32)
    y, cache = batch_norm_train(x, gamma, beta)
    want = (y, *batch_norm_backward(dy, cache))
    for got, expected in zip(numpy_floor(x, dy, gamma, beta), want, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
