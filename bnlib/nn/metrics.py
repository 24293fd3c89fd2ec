"""A classifier's predictions and accuracy, batch by batch, in whatever mode the model is in.

``model`` is anything that maps a batch to logits (N, classes): a torch module
or a numpy function. With BN in training mode the batch size changes the
predictions, which is what the notebooks measure; this module imports no
torch (``bnlib.experiments.torch_nets`` holds the torch code).
"""

from __future__ import annotations

import numpy as np


def predict(model, x, batch_size: int | None = None) -> np.ndarray:
    """The class with the largest logit for each example; the model sees batches of batch_size.

    Args: model: batch (n, ...) -> logits (n, classes); x (N, ...); batch_size: None
    for one batch of all N. Returns (N,) integer labels.
    """
    n = len(x)
    b = n if batch_size is None else batch_size
    if not isinstance(b, int | np.integer) or b < 1:
        raise ValueError(f"batch_size must be a positive integer or None (got {batch_size!r})")
    return np.concatenate([np.asarray(model(x[i : i + b]).argmax(1)) for i in range(0, n, b)])


def accuracy(model, x, y, batch_size: int | None = None) -> float:
    """Fraction of examples whose predicted class is the label y (N,)."""
    y = np.asarray(y)
    if len(y) != len(x):
        raise ValueError(f"x and y must hold as many examples (got {len(x)} and {len(y)})")
    return float(np.mean(predict(model, x, batch_size) == y))
