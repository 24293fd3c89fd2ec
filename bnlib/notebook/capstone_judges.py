"""The capstone's judges (notebook 08): a learner's BatchNorm1d class against
``torch.nn.BatchNorm1d`` and autograd, on small fixed batches, with hints that name the
classic mistakes (the variance divisor, eval mode on batch statistics, momentum inverted).

A judge returns None (right) or (what differs, hint); it raises ``NotYet`` for a placeholder
and ``Broken`` for an exception in the learner's code. ``bnlib.notebook.capstone`` turns
these into results and a score.
"""

from __future__ import annotations

import numpy as np
import torch

from bnlib.notebook.checks import compare

C, EPS, MOMENTUM = 3, 1e-5, 0.1
GAMMA, BETA = np.array([1.5, 0.5, -1.0]), np.array([0.1, -0.3, 2.0])  # not 1 and 0: both count
_rng = np.random.default_rng(8)
BATCHES = [_rng.normal([1.0, -2.0, 5.0], [0.5, 2.0, 3.0], (m, C)) for m in (8, 8, 5)]  # (m, C)
X_EVAL = _rng.normal([4.0, 1.0, 0.0], [1.0, 1.0, 5.0], (4, C))  # unlike the training batches
DY = _rng.normal(size=(8, C))  # dl/dy for BATCHES[0]

ALG1 = (
    "Algorithm 1, per feature (axis 0): mu = x.mean(axis=0); var = ((x - mu)**2).mean(axis=0) "
    "(biased, 1/m); x_hat = (x - mu) / np.sqrt(var + eps); y = gamma * x_hat + beta."
)
HINTS = {
    "divisor": "You normalise with the unbiased variance (divided by m - 1, like np.var(ddof=1) or "
    "torch.var's default). Algorithm 1 uses the biased one, divided by m: np.var(x, axis=0).",
    "eps": "Your epsilon is outside the square root; it goes inside: "
    "(x - mu) / np.sqrt(var + eps).",
    "affine": "Your output is x_hat, not scaled and shifted: end with y = self.weight * x_hat + "
    "self.bias (gamma, beta).",
    "running_in_train": "Your training mode normalises with the running statistics; it must use "
    "the batch's own mean and variance (the running statistics are only updated there, and used "
    "in eval mode).",
    "momentum": "Your running statistics follow the newest batch almost entirely (new = 0.1 * old "
    "+ 0.9 * batch): momentum inverted. PyTorch's momentum is the weight of the NEW batch: "
    "running = (1 - momentum) * running + momentum * batch (Keras and CS231n call 0.9 the "
    "momentum, the other way round).",
    "biased_running": "Your running_var holds the biased variance. PyTorch normalises with the "
    "biased variance but stores the unbiased one: average in var * m / (m - 1).",
    "unchanged": "In training mode, after normalising, update both: running = (1 - momentum) * "
    "running + momentum * batch statistic.",
    "eval_batch": "Your eval mode uses the batch's own statistics. It must normalise with "
    "self.running_mean and self.running_var, so that each output depends on its input alone.",
    "eval_updates": "Your eval mode must leave running_mean and running_var as they are.",
    "eval": "y = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta.",
    "ema": "running = (1 - momentum) * running + momentum * batch statistic, momentum = 0.1, "
    "with the unbiased variance var * m / (m - 1).",
    "dx_direct": "Your dx treats mu_B and var_B as constants; x moves them too. With x_hat "
    "from forward: dx = gamma / (m * sqrt(var + eps)) * (m * dy - dy.sum(0) - x_hat * "
    "(dy * x_hat).sum(0)) (notebook 04).",
    "backward": "grad_bias = dy.sum(axis=0); grad_weight = (dy * x_hat).sum(axis=0); dx = gamma / "
    "(m * sqrt(var + eps)) * (m * dy - grad_bias - x_hat * grad_weight), with x_hat and var "
    "kept by forward (notebook 04).",
}


class NotYet(Exception):
    """The learner has not written this part yet."""


class Broken(Exception):
    """The learner's code raised, or gave no usable value."""


def run(fn, *args):
    try:
        return fn(*args)
    except NotImplementedError:
        raise NotYet("fill in the method that raises NotImplementedError") from None
    except Exception as e:  # the learner's code: report it, never raise
        none = isinstance(e, TypeError) and "NoneType" in str(e)
        what = "a placeholder is still None" if none else "your code raised"
        raise Broken(f"{what} ({type(e).__name__}: {e})") from None


def new_layer(cls):
    layer = run(cls, C)
    layer.weight, layer.bias = GAMMA.copy(), BETA.copy()
    return layer


def _torch():
    layer = torch.nn.BatchNorm1d(C, eps=EPS, momentum=MOMENTUM, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(GAMMA))
        layer.bias.copy_(torch.from_numpy(BETA))
    return layer


def _bn(x, mu, var, eps_inside=True, affine=True):
    x_hat = (x - mu) / (np.sqrt(var + EPS) if eps_inside else np.sqrt(var) + EPS)
    return GAMMA * x_hat + BETA if affine else x_hat


def _hints(got, variants: dict, otherwise: str) -> str:
    """The hints of the mistakes (keys of HINTS) whose result ``got`` equals, or ``otherwise``."""
    found = [HINTS[name] for name, value in variants.items() if compare(got, value) is None]
    return " ".join(found) or otherwise


def forward_of(layer, x):
    y = run(layer.forward, x.copy())
    if y is None:
        raise NotYet("forward returns None: fill in its placeholders")
    return y


def judge_forward(cls):
    x, tl = BATCHES[0], _torch()
    y = forward_of(new_layer(cls), x)
    want = tl(torch.from_numpy(x)).detach().numpy()
    problem = compare(y, want)
    if problem is None:
        return None
    mu, var, m = x.mean(0), x.var(0), len(x)
    variants = {
        "divisor": _bn(x, mu, var * m / (m - 1)),
        "eps": _bn(x, mu, var, eps_inside=False),
        "affine": _bn(x, mu, var, affine=False),
        "running_in_train": _bn(x, 0.0, 1.0),
    }
    return problem, _hints(y, variants, ALG1)


def _ema(inverted: bool, biased: bool):
    """Running mean and var after BATCHES, with one or both classic mistakes."""
    a = 1 - MOMENTUM if inverted else MOMENTUM  # the weight of the new batch
    mean, var = np.zeros(C), np.ones(C)
    for b in BATCHES:
        m = len(b)
        mean = (1 - a) * mean + a * b.mean(0)
        var = (1 - a) * var + a * b.var(0) * (1 if biased else m / (m - 1))
    return mean, var


def _trained(cls):
    """A learner's layer and torch's after the training batches (training mode)."""
    layer, tl = new_layer(cls), _torch()
    outs = [run(layer.forward, b.copy()) for b in BATCHES]
    for b in BATCHES:
        tl(torch.from_numpy(b))
    return layer, tl, outs


def judge_running(cls):
    layer, tl, outs = _trained(cls)
    names = ("running_mean", "running_var")
    got = [np.asarray(getattr(layer, k, np.nan), dtype=float) for k in names]
    start = compare(got[0], np.zeros(C)) is None and compare(got[1], np.ones(C)) is None
    if start and all(o is None for o in outs):
        raise NotYet("forward returns None and the running statistics never change")
    if start:
        return f"{' and '.join(names)} still hold their start values 0 and 1", HINTS["unchanged"]
    want = [tl.running_mean.numpy(), tl.running_var.numpy()]
    wrong = [n for n, g, w in zip(names, got, want, strict=True) if compare(g, w)]
    if not wrong:
        return None
    hints = []
    for inverted, biased in ((True, False), (False, True), (True, True)):
        mean, var = _ema(inverted, biased)
        if compare(got[0], mean) is None and compare(got[1], var) is None:
            hints = [HINTS["momentum"]] * inverted + [HINTS["biased_running"]] * biased
    verb = "differs" if len(wrong) == 1 else "differ"
    message = f"after 3 training batches, {' and '.join(wrong)} {verb} from PyTorch's"
    return message, " ".join(hints) or HINTS["ema"]


def judge_eval(cls):
    layer, tl, _ = _trained(cls)
    stats = tl.running_mean.numpy().copy(), tl.running_var.numpy().copy()
    layer.running_mean, layer.running_var = stats[0].copy(), stats[1].copy()  # right ones
    run(layer.eval)
    tl.eval()
    y = forward_of(layer, X_EVAL)
    want = tl(torch.from_numpy(X_EVAL)).detach().numpy()
    problem = compare(y, want)
    if problem:
        batch_stats = _bn(X_EVAL, X_EVAL.mean(0), X_EVAL.var(0))
        return problem, _hints(y, {"eval_batch": batch_stats}, HINTS["eval"])
    if compare(layer.running_mean, stats[0]) or compare(layer.running_var, stats[1]):
        return "eval mode changed the running statistics", HINTS["eval_updates"]
    problem = compare(forward_of(layer, X_EVAL[:1]), want[:1])
    return problem and (f"for a batch of one example, {problem}", HINTS["eval_batch"])


def judge_backward(cls):
    x = BATCHES[0]
    layer = new_layer(cls)
    forward_of(layer, x)
    dx = run(layer.backward, DY.copy())
    grads = dx, getattr(layer, "grad_weight", None), getattr(layer, "grad_bias", None)
    if all(g is None for g in grads):
        raise NotYet("backward returns None and sets no gradients")
    xt = torch.from_numpy(x).requires_grad_(True)
    tl = _torch()
    tl(xt).backward(torch.from_numpy(DY))
    want = xt.grad.numpy(), tl.weight.grad.numpy(), tl.bias.grad.numpy()
    names = "dx (returned)", "grad_weight (dl/dgamma)", "grad_bias (dl/dbeta)"
    wrong = [
        f"{n}: {p}" for n, g, w in zip(names, grads, want, strict=True) if (p := compare(g, w))
    ]
    if not wrong:
        return None
    hint = _hints(dx, {"dx_direct": DY * GAMMA / np.sqrt(x.var(0) + EPS)}, HINTS["backward"])
    first = "" if judge_forward(cls) is None else "First make forward pass its check. "
    return "; ".join(wrong), first + hint
