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
precise BN             precise.precise_bn          nets.precise_bn (torch model)
epsilon                eps=1e-5                    ``eps=1e-5``
=====================  ==========================  ==========================

Modules, numpy only: functional, inference, layers, gradcheck (the core);
precise, tracking (statistics for inference); activations, mlp, losses,
train, toys (small numpy networks); data, shift, metrics, paper (the paper's
experiments in numbers); norms, norm_layers (LayerNorm, GroupNorm, SyncBN's
statistics), noise, landscape, runs, side_by_side (the ICS debate and small
batches, notebook 07; seeds trained side by side). Three modules import torch:
nets (the paper's MNIST network, training, probes), stacked (many networks
trained at once) and ics (internal covariate shift in the strict sense,
measured while training). viz, widgets and figures draw (matplotlib,
ipywidgets); checks and exercises check exercises; progress shows progress
bars; portable checks the notebooks' claims and disturbs rounding on
purpose (BNLIB_DISTURB). Importing bnlib changes no global setting.
"""

__version__ = "0.1.0"
