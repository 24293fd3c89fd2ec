"""The reference solution of notebooks/08_capstone.ipynb: the skeleton's class, filled in.

Kept out of bnlib and notebooks/ so students do not browse into it; the tests import it.
Written in the notebook skeleton's shape (the same attributes and comments), so a
teacher can paste it over the skeleton to see the notebook score 10/10.
"""

import numpy as np


class MyBatchNorm1d:
    """Batch normalization for (N, C) input, as torch.nn.BatchNorm1d(C) (Alg. 1 and 2)."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        self.eps, self.momentum = eps, momentum
        self.weight = np.ones(num_features)  # γ, (C,)
        self.bias = np.zeros(num_features)  # β, (C,)
        self.running_mean = np.zeros(num_features)  # E[x] for eval mode, (C,)
        self.running_var = np.ones(num_features)  # Var[x] for eval mode (unbiased), (C,)
        self.training = True
        self.grad_weight = self.grad_bias = None  # dl/dγ, dl/dβ, set by backward
        self.cache = None  # what backward needs, kept by forward

    def train(self, mode=True):
        self.training = mode
        return self

    def eval(self):
        return self.train(False)

    def forward(self, x):
        m = x.shape[0]
        if self.training:
            mu = x.mean(axis=0)  # μ_B = 1/m Σ x_i, (C,)
            var = ((x - mu) ** 2).mean(axis=0)  # σ²_B = 1/m Σ (x_i − μ_B)², biased, (C,)
            # running = (1 − momentum) · running + momentum · batch; the variance unbiased
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mu
            var_unbiased = var * m / (m - 1)
            self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var_unbiased
        else:
            mu, var = self.running_mean, self.running_var  # fixed statistics: Alg. 2
        x_hat = (x - mu) / np.sqrt(var + self.eps)  # (N, C)
        self.cache = (x_hat, mu, var)  # what backward needs
        return self.weight * x_hat + self.bias  # y = γ x̂ + β, (N, C)

    __call__ = forward

    def backward(self, dy):
        x_hat, _, var = self.cache
        m = dy.shape[0]
        self.grad_bias = dy.sum(axis=0)  # dl/dβ = Σ dy_i
        self.grad_weight = (dy * x_hat).sum(axis=0)  # dl/dγ = Σ dy_i x̂_i
        # dl/dx_i = γ / (m √(σ² + ε)) · (m dy_i − Σ dy_j − x̂_i Σ dy_j x̂_j)
        k = self.weight / (m * np.sqrt(var + self.eps))
        return k * (m * dy - self.grad_bias - x_hat * self.grad_weight)
