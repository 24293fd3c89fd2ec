"""Many MLPs trained at once, fast: stacked parameters, the backward pass written out.

``Stack`` holds K networks of one shape, (Linear -> [BN] -> g) x depth -> Linear,
with and without BN side by side, and takes one SGD step of all K in about
50 torch calls whatever K: one batched matrix product per layer (not one per
network), BN and the activations' backward as single kernels (autograd's),
updates in place, buffers allocated once. Networks that see the same
mini-batches share the first layer's product, x @ [W_a | W_b | ...]^T. At this
size a torch call costs microseconds of dispatch, more than the arithmetic of
most of them: fewer calls is what makes it fast. tests/test_stacked.py checks
each step against autograd + SGD on each network alone.

Over CONTRIBUTING's ~250 lines: it is one class, whose buffers, forward pass and
written-out backward pass share state and are only correct together; the driving
(probes, mini-batches) is in ``stacked_training``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

aten = torch.ops.aten
_ACTS = {  # g(u, out=h), and dL/du = dL/dh * g'(u) computed from h, as autograd does
    torch.nn.Sigmoid: (torch.sigmoid, aten.sigmoid_backward.grad_input),
    torch.nn.Tanh: (torch.tanh, aten.tanh_backward.grad_input),
    torch.nn.ReLU: (
        lambda u, out=None: torch.clamp_min(u, 0, out=out),
        lambda dh, h, grad_input: aten.threshold_backward.grad_input(
            dh, h, 0, grad_input=grad_input
        ),
    ),
}


def _onednn_linear():
    """oneDNN's matmul as torch ships it (an internal op of its compiler), or None."""
    if not torch.backends.mkldnn.is_available():
        return None
    op = getattr(torch.ops.mkldnn, "_linear_pointwise", None)
    return None if op is None else op.default


_ONEDNN = _onednn_linear()


def linear(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
    """x @ w^T + b, as ``F.linear``; float32 through oneDNN where torch has it.

    torch's float32 matmul calls MKL, which on AMD CPUs runs its AVX2 code;
    oneDNN uses AVX-512 wherever the CPU has it, about 1.8x faster for the
    first layer's products on the development machine (benchmarks/bench_figure1.py).
    Shape: x (M, in), w (out, in), b (out,) -> (M, out).
    """
    if _ONEDNN is not None and x.dtype == torch.float32:
        return _ONEDNN(x, w, b, "none", [], "")
    return torch.nn.functional.linear(x, w, b)


def _parts(model: torch.nn.Sequential):
    """(linears, bns, activation type) of an MLP (Linear -> [BN] -> g)* -> Linear."""
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    bns = [m for m in model if isinstance(m, torch.nn.BatchNorm1d)]
    acts = {type(m) for m in model if type(m) in _ACTS}
    if len(acts) != 1 or len(linears) < 2 or len(bns) not in (0, len(linears) - 1):
        raise ValueError(
            f"expected (Linear -> [BatchNorm1d] -> g) x depth -> Linear "
            f"(got {[type(m).__name__ for m in model]})"
        )
    return linears, bns, acts.pop()


def _bias(m: torch.nn.Linear) -> torch.Tensor:
    """A Linear's bias; zeros when it has none (BN's beta replaces it): adding 0 is exact."""
    return m.bias.detach() if m.bias is not None else m.weight.new_zeros(m.out_features)


class Stack:
    """K networks of one shape, trained together by SGD, each with its own learning rates.

    Args: ``models``: K ``torch.nn.Sequential`` MLPs with the same layers, those
    without BN first (their parameters are copied in; ``copy_to`` writes them
    back); ``lrs`` (K,); ``groups``: lists of the networks that see the same
    mini-batches, each network in one; ``batch_size`` B; ``lrs_invariant`` (K,):
    the rates of the weights before BN (scale-invariant, §3.3), where they differ
    from ``lrs`` (None: the same; networks without BN: the same). Per step: fill
    ``x[g]`` (B, n_in) and ``y[g]`` (B,) of each group, then ``step``.
    Hidden activations are (B, K C), network k's units in columns k C to
    (k + 1) C (BN's layout); bmm reads them as (K, B, C) through views.
    """

    def __init__(
        self,
        models: Sequence[torch.nn.Sequential],
        lrs,
        groups,
        batch_size: int,
        lrs_invariant=None,
    ):
        parts = [_parts(m) for m in models]
        lin = [p[0] for p in parts]  # lin[k][i]: network k's i-th Linear
        shape = [m.weight.shape for m in lin[0]]
        if any(
            [m.weight.shape for m in ls] != shape or p[2] is not parts[0][2]
            for ls, p in zip(lin, parts, strict=True)
        ):
            raise ValueError("expected networks of one shape: same layers and activation")
        has_bn = [bool(p[1]) for p in parts]
        k, c, d, ka = len(models), shape[0][0], len(shape) - 1, has_bn.count(False)
        if has_bn != [False] * ka + [True] * (k - ka):
            raise ValueError(f"expected the networks without BN first (got BN flags {has_bn})")
        self.groups = [sorted(int(n) for n in g) for g in groups]
        if sorted(n for g in self.groups for n in g) != list(range(k)):
            raise ValueError(f"groups must hold each network 0..{k - 1} once (got {groups})")
        self.K, self.Ka, self.B, self.C, self.depth = k, ka, batch_size, c, d
        self.g, self.g_backward = _ACTS[parts[0][2]]
        # layer 0, per group: W (n_g C, n_in) in torch's (out, in) layout, b (n_g C,)
        self.W1 = [torch.cat([lin[n][0].weight.detach() for n in g]) for g in self.groups]
        self.b1 = [torch.cat([_bias(lin[n][0]) for n in g]) for g in self.groups]
        # hidden layers i = 1 .. d - 1: W (K, in, out), b (K, 1, out); W[0], b[0] unused
        stack = lambda f: [None] + [torch.stack([f(ls[i]) for ls in lin]) for i in range(1, d)]  # noqa: E731
        self.W = stack(lambda m: m.weight.detach().T.contiguous())
        self.b = stack(lambda m: _bias(m)[None])
        # the output layer: (K, n_out, C) and (K, n_out, 1), so logits come out as (K, n_out, B)
        self.W_out = torch.stack([ls[d].weight.detach() for ls in lin])
        self.b_out = torch.stack([ls[d].bias.detach()[:, None] for ls in lin])
        bns = [p[1] for p in parts[ka:]]
        if bns:  # per layer (Kb C,), network-major like the activations

            def cat(name):
                return [torch.cat([getattr(n[i], name).detach() for n in bns]) for i in range(d)]

            self.gamma, self.beta = cat("weight"), cat("bias")
            self.mean, self.var = cat("running_mean"), cat("running_var")
            self.momentum, self.eps = bns[0][0].momentum, bns[0][0].eps
        self.steps = 0
        lr_b = torch.as_tensor(lrs, dtype=self.W1[0].dtype).view(k, 1, 1) / batch_size
        self.lr_b, self.minus_lr_b = lr_b, (-lr_b).expand(k, 1, batch_size)  # SGD's lr x 1/B
        self._invariant_rates(lrs, lrs_invariant, c)
        self._buffers(shape[-1][0], shape[0][1])

    def _invariant_rates(self, lrs, lrs_invariant, c: int) -> None:
        """Gradients enter the backward pass scaled by lr (the output layer's, gamma's and
        beta's rate); ``ratio`` (K, 1, 1) rescales dL/dh to lr_invariant below the output
        layer, ``unratio`` (Kb C,) scales dgamma, dbeta back. Both None when the rates agree."""
        self.ratio = self.unratio = None
        if lrs_invariant is None:  # one rate per network (lr 0 allowed: a network that stays put)
            return
        dtype = self.W1[0].dtype
        inv, lr = (torch.as_tensor(v, dtype=dtype) for v in (lrs_invariant, lrs))
        if inv.shape != (self.K,) or not (torch.isfinite(inv).all() and (inv > 0).all()):
            raise ValueError(f"lrs_invariant must be {self.K} numbers > 0 (got {lrs_invariant})")
        if not (lr > 0).all():
            raise ValueError(f"with lrs_invariant, expected lrs > 0 (got {lrs})")
        ratio = inv / lr  # (K,)
        if (ratio[: self.Ka] != 1).any():
            raise ValueError(
                "networks without BN have no scale-invariant weights: expected "
                f"lrs_invariant equal to lrs for them (got {lrs_invariant})"
            )
        if not bool((ratio == 1).all()):
            self.ratio = ratio.view(self.K, 1, 1)
            self.unratio = (1 / ratio[self.Ka :]).repeat_interleave(c)

    def _buffers(self, n_out: int, n_in: int) -> None:
        """Every array a step writes, allocated once, and the views of them the step reads."""
        b, k, c, ka, d = self.B, self.K, self.C, self.Ka, self.depth
        e = lambda *shape: torch.empty(*shape, dtype=self.W1[0].dtype)  # noqa: E731
        kbc = lambda t: t.view(b, k, -1).transpose(0, 1)  # noqa: E731  (B, K C) -> (K, B, C)
        nb, wb = (lambda t: t[:, : ka * c]), (lambda t: t[:, ka * c :])  # without / with BN
        one = len(self.groups) == 1
        self.x = [e(b, n_in) for _ in self.groups]  # each group's mini-batch
        self.y = [torch.zeros(b, dtype=torch.long) for _ in self.groups]
        self.members = [torch.tensor(g) for g in self.groups]
        self.labels = (
            self.y[0].view(1, 1, b).expand(k, 1, b)
            if one  # each network's targets
            else torch.zeros(k, 1, b, dtype=torch.long)
        )
        self.cols = [torch.cat([torch.arange(n * c, (n + 1) * c) for n in g]) for g in self.groups]
        self.z = [e(b, k * c) for _ in range(d)]  # z = h W + b: the input of g, or of BN
        self.h = [e(b, k * c) for _ in range(d)]  # h = g(z) or g(BN(z))
        self.dh, self.dz = e(b, k * c), e(b, k * c)  # dL/dh, dL/dz of the current layer
        self.z_nb, self.h_nb = [nb(t) for t in self.z], [nb(t) for t in self.h]
        self.h_bn = [wb(t) for t in self.h]
        self.dh_nb, self.dh_bn = nb(self.dh), wb(self.dh)
        self.dz_nb, self.dz_bn = nb(self.dz), wb(self.dz)
        if ka < k:  # BN's forward kernel wants a contiguous input: a copy unless all have BN
            kbc_n = (k - ka) * c
            self.zb = [e(b, kbc_n) if ka else t for t in self.z]  # BN's input
            self.z_bn = [wb(t) for t in self.z]
            self.ub = [e(b, kbc_n) for _ in range(d)]  # BN's output
            self.dub = e(b, kbc_n)  # dL/d(BN's output)
            self.saved = [(e(kbc_n), e(kbc_n)) for _ in range(d)]  # batch mean, 1 / std
            self.dgamma, self.dbeta = [e(kbc_n) for _ in range(d)], [e(kbc_n) for _ in range(d)]
        self.logits, self.p, self.nll = e(k, n_out, b), e(k, n_out, b), e(k, 1, b)
        self.pT, self.nll_kb = self.p.transpose(1, 2), self.nll.view(k, b)  # (K, B, n_out), (K, B)
        self.hk, self.zk = [kbc(t) for t in self.h], [kbc(t) for t in self.z]  # (K, B, C)
        self.hkT = [t.transpose(1, 2) for t in self.hk]  # (K, C, B)
        self.WT = [None] + [w.transpose(1, 2) for w in self.W[1:]]  # (K, out, in)
        self.dhk, self.dzk, self.dzk_nb = kbc(self.dh), kbc(self.dz), kbc(self.dz)[:ka]
        self.b_nb = [None] + [t[:ka] for t in self.b[1:]]  # BN networks' zero biases stay zero
        self.ones = torch.ones(k, 1, b, dtype=self.W1[0].dtype)  # sums over the batch as products
        self.onesT, self.ones_nb = self.ones.transpose(1, 2), self.ones[:ka]
        self.ones_b = self.ones[0, 0]  # (B,)
        self.dz1 = [self.dz if one else e(b, len(g) * c) for g in self.groups]  # (B, n_g C)
        self.dz1T = [t.t() for t in self.dz1]  # (n_g C, B)
        self.xT = [x.t() for x in self.x]  # (n_in, B)
        n_nb = [sum(n < ka for n in g) * c for g in self.groups]  # columns of networks with a bias
        self.b1_nb = [
            (b1[:n], t[:n]) for b1, t, n in zip(self.b1, self.dz1T, n_nb, strict=True) if n
        ]

    def _forward(self) -> None:
        """z_i = h_(i-1) W_i + b_i; h_i = g(z_i) or g(BN(z_i)); then the logits (K, n_out, B)."""
        for x, w, b, cols in zip(self.x, self.W1, self.b1, self.cols, strict=True):
            z1 = linear(x, w, b)  # (B, n_g C): all the group's networks in one product
            if len(self.groups) == 1:
                self.z[0].copy_(z1)
            else:
                self.z[0].index_copy_(1, cols, z1)
        for i in range(self.depth):
            if i:
                torch.baddbmm(self.b[i], self.hk[i - 1], self.W[i], out=self.zk[i])
            if self.Ka:
                self.g(self.z_nb[i], out=self.h_nb[i])
            if self.Ka < self.K:
                if self.Ka:
                    self.zb[i].copy_(self.z_bn[i])
                torch.native_batch_norm(
                    self.zb[i],
                    self.gamma[i],
                    self.beta[i],
                    self.mean[i],
                    self.var[i],
                    True,
                    self.momentum,
                    self.eps,
                    out=(self.ub[i], *self.saved[i]),
                )
                self.g(self.ub[i], out=self.h_bn[i])
        torch.baddbmm(self.b_out, self.W_out, self.hkT[-1], out=self.logits)

    def _backward_g(self, i: int) -> None:
        """dL/dz_i from dL/dh_i: through g, and through BN for the networks with BN (§3)."""
        if self.Ka:
            self.g_backward(self.dh_nb, self.h_nb[i], grad_input=self.dz_nb)
        if self.Ka < self.K:
            self.g_backward(self.dh_bn, self.h_bn[i], grad_input=self.dub)
            aten.native_batch_norm_backward.out(
                self.dub,
                self.zb[i],
                self.gamma[i],
                self.mean[i],
                self.var[i],
                *self.saved[i],
                True,
                self.eps,
                [True, True, True],
                out0=self.dz_bn,
                out1=self.dgamma[i],
                out2=self.dbeta[i],
            )

    def step(self, loss_out: torch.Tensor) -> None:
        """One SGD step of every network on its group's mini-batch. ``loss_out`` (K,)
        receives each network's summed log-probability of the targets (loss = -it / B)."""
        if len(self.groups) > 1:
            for g, y in zip(self.members, self.y, strict=True):
                self.labels[g, 0] = y
        self._forward()
        # softmax cross-entropy: dL/dlogits = (p - onehot) / B, times each network's lr
        logp = torch.log_softmax(self.logits, 1)  # (K, n_out, B)
        torch.gather(logp, 1, self.labels, out=self.nll)
        torch.sum(self.nll_kb, 1, out=loss_out)
        torch.exp(logp, out=self.p).mul_(self.lr_b).scatter_add_(1, self.labels, self.minus_lr_b)
        # backward: dL/dh of the layer below first, then this layer's update in place
        torch.bmm(self.pT, self.W_out, out=self.dhk)
        if self.ratio is not None:  # below the output layer: the weights' own rates
            self.dhk.mul_(self.ratio)
        self.W_out.baddbmm_(self.p, self.hk[-1], alpha=-1)
        self.b_out.baddbmm_(self.p, self.onesT, alpha=-1)
        for i in reversed(range(1, self.depth)):
            self._backward_g(i)
            torch.bmm(self.dzk, self.WT[i], out=self.dhk)
            self.W[i].baddbmm_(self.hkT[i - 1], self.dzk, alpha=-1)
            if self.Ka:
                self.b_nb[i].baddbmm_(self.ones_nb, self.dzk_nb, alpha=-1)
        self._backward_g(0)
        for cols, dz1, w, dz1T, xT in zip(
            self.cols, self.dz1, self.W1, self.dz1T, self.xT, strict=True
        ):
            if dz1 is not self.dz:
                torch.index_select(self.dz, 1, cols, out=dz1)
            w.sub_(linear(dz1T, xT))  # dL/dW_1 = dz^T x: (n_g C, n_in)
        for b1, dz1T in self.b1_nb:
            b1.addmv_(dz1T, self.ones_b, alpha=-1)
        if self.Ka < self.K:
            if self.unratio is not None:  # gamma and beta at lr again
                torch._foreach_mul_(self.dgamma + self.dbeta, [self.unratio] * 2 * self.depth)
            torch._foreach_sub_(self.gamma + self.beta, self.dgamma + self.dbeta)
        self.steps += 1

    @torch.no_grad()
    def first_layer(self, x: torch.Tensor) -> torch.Tensor:
        """z_1 = x W_1^T + b_1 of every network for inputs x (N, n_in): (N, K C)."""
        z = x.new_empty(len(x), self.K * self.C)
        for w, b, cols in zip(self.W1, self.b1, self.cols, strict=True):
            z.index_copy_(1, cols, linear(x, w, b))
        return z

    @torch.no_grad()
    def evaluate(self, z1: torch.Tensor, batch_stats: bool) -> tuple[torch.Tensor, list]:
        """Every network from its first layer's output z1 (N, K C) (``first_layer``), nothing
        updated: the logits (K, n_out, N) and each hidden layer's input of g, (N, K C).
        ``batch_stats``: BN normalises with the batch's own statistics (what g sees in
        training), else with the running ones (inference, Alg. 2)."""
        n, k, c, split = len(z1), self.K, self.C, self.Ka * self.C
        z, us = z1, []
        for i in range(self.depth):
            if i:  # (K, N, C) products written straight into (N, K C)
                hk, z = self.g(us[-1]).view(n, k, c).transpose(0, 1), z1.new_empty(n, k * c)
                torch.baddbmm(self.b[i], hk, self.W[i], out=z.view(n, k, c).transpose(0, 1))
            if self.Ka < self.K:
                mean, var = (None, None) if batch_stats else (self.mean[i], self.var[i])
                bn = F.batch_norm(
                    z[:, split:],
                    mean,
                    var,
                    self.gamma[i],
                    self.beta[i],
                    training=batch_stats,
                    eps=self.eps,
                )
                z = torch.cat([z[:, :split], bn], 1)
            us.append(z)
        h = self.g(us[-1]).view(n, k, c).permute(1, 2, 0)  # (K, C, N)
        return torch.baddbmm(self.b_out, self.W_out, h), us

    @torch.no_grad()
    def copy_to(self, models: Sequence[torch.nn.Sequential]) -> None:
        """Write each network's parameters and BN's running statistics into its model."""
        c = self.C
        for g, w, b in zip(self.groups, self.W1, self.b1, strict=True):
            for j, k in enumerate(g):
                first, rows = _parts(models[k])[0][0], slice(j * c, (j + 1) * c)
                first.weight.copy_(w[rows])
                if first.bias is not None:
                    first.bias.copy_(b[rows])
        for k, model in enumerate(models):
            linears, bns, _ = _parts(model)
            for i in range(1, self.depth):
                linears[i].weight.copy_(self.W[i][k].T)
                if linears[i].bias is not None:
                    linears[i].bias.copy_(self.b[i][k, 0])
            linears[-1].weight.copy_(self.W_out[k])
            linears[-1].bias.copy_(self.b_out[k, :, 0])
            units = slice((k - self.Ka) * c, (k - self.Ka + 1) * c)
            for i, bn in enumerate(bns):
                named = [
                    ("weight", self.gamma),
                    ("bias", self.beta),
                    ("running_mean", self.mean),
                    ("running_var", self.var),
                ]
                for name, t in named:
                    getattr(bn, name).copy_(t[i][units])
                bn.num_batches_tracked.fill_(self.steps)
