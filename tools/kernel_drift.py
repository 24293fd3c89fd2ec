"""How far apart two kernels put one seeded training run, against BNLIB_DISTURB=1e-6.

README, "Portable results", quotes this table. The paper's MNIST network
(torch, float32, SGD at lr 0.5) and the same network in numpy (float64) are
trained from one seed, three ways in three processes: as this machine runs
them; with the other kernels ``make disturbed`` switches to (torch's next lower
family, numpy's loops without their widest SIMD); and with every initial weight
disturbed by 1e-6 (``BNLIB_DISTURB``). Printed: max |W1 - W1_plain| / max
|W1_plain| after 1, 10, 100 and 400 steps. Run by hand:
``.venv/bin/python tools/kernel_drift.py``. OpenBLAS's kernel is not switched
here: its switch belongs to the machine's owner (README, "Portable results").
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

STEPS = (1, 10, 100, 400)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.execute_notebooks import disturbed_env  # noqa: E402

OTHER = {k: v for k, v in disturbed_env().items() if k != "BNLIB_DISTURB"}


def snapshots(out: str) -> None:
    from bnlib.experiments import mnist_net, torch_nets
    from bnlib.nn import data, losses, mlp, train

    mnist = data.normalize_input(data.load_mnist())
    snaps = {}
    for steps in STEPS:
        model = torch_nets.fit(mnist_net.NetConfig(lr=0.5, seed=0), mnist, steps)
        snaps[f"torch float32, {steps} steps"] = model[0].weight.detach().numpy().copy()
    x, y = np.asarray(mnist.x_train[:2000], np.float64), np.asarray(mnist.y_train[:2000])
    for steps in STEPS:
        net = mlp.mlp((784, 100, 100, 10), seed=0)
        train.sgd(net, x, y, losses.cross_entropy, lr=0.5, steps=steps, batch_size=60)
        snaps[f"numpy float64, {steps} steps"] = net.layers[0].weight.copy()
    np.savez(out, **snaps)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--snapshots":
        snapshots(sys.argv[2])
        return 0
    base = {k: v for k, v in os.environ.items() if k not in (*OTHER, "BNLIB_DISTURB")}
    base.update(BNLIB_PROGRESS="0", PYTHONHASHSEED="0")
    envs = {
        "plain": base,
        "other kernels": {**base, **OTHER},
        "disturbed": {**base, "BNLIB_DISTURB": "1e-6"},
    }
    with tempfile.TemporaryDirectory() as tmp:
        runs = {}
        for name, env in envs.items():
            path = str(Path(tmp) / f"{name.replace(' ', '_')}.npz")
            subprocess.run([sys.executable, __file__, "--snapshots", path], env=env, check=True)
            runs[name] = dict(np.load(path))
    plain = runs["plain"]
    print(f"{'run':28} {'other kernels':>14} {'BNLIB_DISTURB=1e-6':>19}")
    for key, w in plain.items():
        gaps = [
            np.abs(runs[n][key] - w).max() / np.abs(w).max() for n in ("other kernels", "disturbed")
        ]
        print(f"{key:28} {gaps[0]:14.1e} {gaps[1]:19.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
