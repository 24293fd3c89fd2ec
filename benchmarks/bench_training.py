"""Training speed of the paper's MNIST network: ``train`` one at a time vs ``train_many``.

Six sigmoid networks (784-100-100-100-10, mini-batches of 60, one thread),
with and without BN, probed every 50 steps as in notebook 01. Prints ms per
network and step; fails if stacking is not faster than training alone.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._table import table
from bnlib.experiments.mnist_net import NetConfig
from bnlib.experiments.torch_nets import train, train_many
from bnlib.nn.data import load_mnist, normalize_input

STEPS, EVERY = 300, 50


def per_net_step_ms(fn, n_nets: int) -> float:
    t0 = time.perf_counter()
    fn()
    return 1e3 * (time.perf_counter() - t0) / (n_nets * STEPS)


def main() -> int:
    data = normalize_input(load_mnist())
    probes = range(0, STEPS + 1, EVERY)
    rows, slower = [], 0
    train(NetConfig(), data, 10, [0]), train_many([NetConfig()], data, 10, [0])  # warm-up
    for bn in (False, True):
        configs = [NetConfig(lr=lr, bn=bn) for lr in (0.3, 1, 3, 10, 30, 100)]
        alone = per_net_step_ms(lambda c=configs: [train(x, data, STEPS, probes) for x in c], 6)
        many = per_net_step_ms(lambda c=configs: train_many(c, data, STEPS, probes), 6)
        slower += many >= alone
        label = "sigmoid + BN" if bn else "sigmoid"
        rows.append([label, f"{alone:.2f}", f"{many:.2f}", f"{alone / many:.1f}x"])
    print(f"Training speed, 6 networks x {STEPS} steps (ms per network and step)\n")
    print(table(["networks", "train, one at a time", "train_many", "speed-up"], rows))
    return 1 if slower else 0


if __name__ == "__main__":
    sys.exit(main())
