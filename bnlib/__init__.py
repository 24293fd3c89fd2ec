"""bnlib: the small, tested library behind "Batch Normalization, interactively".

Ioffe & Szegedy (2015), arXiv:1502.03167. Inputs are (N, C), (N, C, L) or
(N, C, H, W); statistics, gamma and beta are (C,), over every axis but 1.

=====================  ==========================  ==========================
paper                  bnlib                       PyTorch
=====================  ==========================  ==========================
mu_B (Alg. 1, l. 1)    functional.batch_mean       ``torch.var_mean(...)[1]``
sigma^2_B (l. 2)       functional.batch_var        ``unbiased=False`` variance
x_hat (l. 3)           functional.normalize        (inside F.batch_norm)
y = gamma x_hat + beta functional.scale_and_shift  (inside F.batch_norm)
BN transform (Alg. 1)  functional.batch_norm_train ``F.batch_norm(training=True)``
backward (§3)          functional.batch_norm_backward  autograd
inference (Alg. 2)     functional.batch_norm_eval  ``F.batch_norm(training=False)``
gamma, beta            layers.BatchNorm1d.weight / .bias   ``.weight`` / ``.bias``
E[x], Var[x]           .running_mean / .running_var        same names
E_B[mu_B], m/(m-1)...  inference.population_stats  (none: PyTorch uses an EMA)
moving average         inference.ema_update        ``momentum`` (new-batch weight)
decay (Keras, Flax)    inference.decay_to_momentum ``momentum = 1 - decay``
precise BN             nn.precise.precise_bn       torch_nets.precise_bn_torch
epsilon                eps=1e-5                    ``eps=1e-5``
=====================  ==========================  ==========================

Modules. At the top, numpy only, BN itself: functional, layers, inference,
gradcheck (the reference); norms, norm_layers (LayerNorm, GroupNorm, SyncBN's
statistics); portable (claims that hold on any CPU, disturbed rounding on
purpose: BNLIB_DISTURB) and progress (progress bars). One level down, imports
running one way (notebook -> experiments -> nn -> the top):
- nn: the numpy network kit: activations, mlp, losses, train, toys, data,
  metrics, precise (``precise.algorithm2``: the one Algorithm 2 over mini-batches,
  behind precise_bn, Net.set_population_stats and torch_nets.precise_bn_torch).
- experiments: what the lessons and labs measure: covariate_shift, paper,
  tracking, noisy_bn, landscape, numpy_mnist (numpy); mnist_net, torch_nets,
  torch_probes, ics (the paper's MNIST network in PyTorch, its one trainer with
  probe hooks, internal covariate shift as a hook); many_at_once (stacked,
  stacked_training, side_by_side, classifiers): speed only, tested equal to
  training the networks one by one.
- notebook: viz, widgets, tables, checks, figures, exercises (matplotlib,
  ipywidgets).
Importing bnlib changes no global setting.
"""

__version__ = "0.1.0"
