"""Reference results from PyTorch for the parity tests."""

import numpy as np
import torch

TOL = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-10)}


def torch_bn(x, gamma, beta, dy, *, training=True, mean=None, var=None, eps=1e-5):
    """y, dx, dgamma, dbeta from torch.nn.functional.batch_norm and autograd."""
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    gt = torch.from_numpy(gamma.copy()).requires_grad_(True)
    bt = torch.from_numpy(beta.copy()).requires_grad_(True)
    rm = None if mean is None else torch.from_numpy(mean.copy())
    rv = None if var is None else torch.from_numpy(var.copy())
    y = torch.nn.functional.batch_norm(xt, rm, rv, gt, bt, training=training, eps=eps)
    y.backward(torch.from_numpy(dy))
    return y.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()


def torch_layer(num_features, ndim, **kwargs):
    cls = torch.nn.BatchNorm2d if ndim == 4 else torch.nn.BatchNorm1d
    return cls(num_features, **kwargs)
