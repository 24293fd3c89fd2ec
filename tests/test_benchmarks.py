"""The Figure 1 benchmark on a few steps: it runs, prints both tables, and its two trainers
(the plain PyTorch loop and bnlib's stacked trainer) end at the same test accuracies."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_figure1_runs_and_its_trainers_agree():
    script = ROOT / "benchmarks" / "bench_figure1.py"
    out = subprocess.run(
        [sys.executable, str(script), "--steps", "30"],
        capture_output=True, text=True, env={"BNLIB_PROGRESS": "0", "PATH": ""}, check=False,
    )  # fmt: skip
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
