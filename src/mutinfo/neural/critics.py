"""Critics: neural networks that score pairs (x, y) for the variational MI bounds.

A critic maps a batch ``x`` of shape ``(n, d_x)`` and a batch ``y`` of shape
``(m, d_y)`` to the score matrix ``scores[i, j] = f(x_i, y_j)`` of shape ``(n, m)``;
with ``n = m`` and paired rows, the positive pairs sit on the diagonal, which is
what every function of :mod:`mutinfo.functional` expects.

* :class:`SeparableCritic` ``f(x, y) = g(x)^T h(y)``: two encoders and one matrix
  product, O(n + m) network evaluations for all n m pairs. The default: fast, and
  accurate on the benchmark suite (Poole et al. 2019 use it as their default too).
* :class:`BilinearCritic` ``f(x, y) = g(x)^T W h(y)``: the CPC critic (van den Oord
  et al. 2018); with no hidden layers it is the classical bilinear form ``x^T W y``.
* :class:`ConcatCritic` ``f(x, y) = MLP([x, y])``: the most expressive, but it runs
  the network on all n m pairs, O(n m) evaluations; use it on a GPU or small batches.
* :class:`GaussianConditional`: the variational conditional q(y|x) of the CLUB upper
  bound; its "scores" are log-likelihoods ``log q(y_j | x_i)``.

Every critic takes ``generator=``: a ``torch.Generator`` to draw the initial weights
from, leaving torch's global RNG untouched (the estimator passes its own, so seeded
fits are reproducible in parallel threads); None uses the global RNG as torch does.

Defaults (one hidden layer of 256 softplus units, 64-dimensional embeddings) were
chosen on the 5+5-dimensional Gaussian (2.55 nats) and the 20-dimensional staircases:
smooth activations with non-zero curvature at 0 (softplus, SiLU) fit the quadratic
log density ratios of Gaussian-like data far better than ReLU.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from .._errors import param_error
from .._validation import check_int

__all__ = ["mlp", "SeparableCritic", "BilinearCritic", "ConcatCritic", "GaussianConditional", "ACTIVATIONS"]

# Activations a critic can be built with, by name.
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "softplus": nn.Softplus,
    "silu": nn.SiLU,
    "elu": nn.ELU,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "gelu": nn.GELU,
}
DEFAULT_HIDDEN = (256,)
DEFAULT_EMBED_DIM = 64
DEFAULT_ACTIVATION = "softplus"


def _hidden(func: str, hidden: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(hidden, int) and not isinstance(hidden, bool):
        hidden = (hidden,)
    if not isinstance(hidden, (tuple, list)) or not all(
        isinstance(h, int) and not isinstance(h, bool) and h >= 1 for h in hidden
    ):
        raise param_error(func, "hidden", "an int >= 1 or a sequence of them (widths of the hidden layers; () for none)", hidden)
    return tuple(int(h) for h in hidden)


def _activation(func: str, activation: str) -> type[nn.Module]:
    if activation not in ACTIVATIONS:
        raise param_error(func, "activation", "one of " + ", ".join(repr(a) for a in ACTIVATIONS), activation)
    return ACTIVATIONS[activation]


def _linear(in_dim: int, out_dim: int, generator: torch.Generator | None) -> nn.Linear:
    """``nn.Linear`` with torch's default initialisation, drawn from ``generator`` when one is given.

    With a generator the layer is built on the meta device (no draw from torch's global
    RNG), materialised on the generator's device and initialised like
    ``nn.Linear.reset_parameters``: weights Kaiming-uniform with ``a = sqrt(5)``, biases
    uniform in ``+-1 / sqrt(in_dim)``.
    """
    if generator is None:
        return nn.Linear(in_dim, out_dim)
    layer = nn.Linear(in_dim, out_dim, device="meta").to_empty(device=generator.device)
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    bound = 1.0 / math.sqrt(in_dim)
    nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return layer


def mlp(
    in_dim: int,
    hidden: int | Sequence[int],
    out_dim: int,
    activation: str = DEFAULT_ACTIVATION,
    *,
    generator: torch.Generator | None = None,
) -> nn.Sequential:
    """A multilayer perceptron ``in_dim -> hidden... -> out_dim`` with the given activation between layers.

    ``hidden=()`` gives a single linear layer. ``generator``: draw the initial weights
    from this ``torch.Generator`` (on its device) instead of torch's global RNG, which
    is then left untouched.
    """
    func = "mlp"
    check_int(func, "in_dim", in_dim, 1)
    check_int(func, "out_dim", out_dim, 1)
    act = _activation(func, activation)
    layers: list[nn.Module] = []
    width = in_dim
    for h in _hidden(func, hidden):
        layers += [_linear(width, h, generator), act()]
        width = h
    layers.append(_linear(width, out_dim, generator))
    return nn.Sequential(*layers)


class SeparableCritic(nn.Module):
    """``f(x, y) = g(x)^T h(y)`` with two MLP encoders.

    Parameters
    ----------
    x_dim, y_dim : int
        Dimensions of x and y.
    hidden : int or sequence of int, default (256,)
        Hidden widths of each encoder.
    embed_dim : int, default 64
        Dimension of the embeddings g(x) and h(y).
    activation : str, default "softplus"
        One of :data:`ACTIVATIONS`.
    generator : torch.Generator or None, default None
        Source of the initial weights (None: torch's global RNG).

    Notes
    -----
    Scoring all n m pairs costs two encoder passes and one (n, k) x (k, m) matrix
    product. The log density ratio it can represent has rank at most ``embed_dim``
    as a function of (x, y).
    """

    #: Largest block of rows scored at once when evaluating on a held-out set.
    eval_block = 2048

    def __init__(
        self,
        x_dim: int,
        y_dim: int,
        hidden: int | Sequence[int] = DEFAULT_HIDDEN,
        embed_dim: int = DEFAULT_EMBED_DIM,
        activation: str = DEFAULT_ACTIVATION,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        hidden = _hidden("SeparableCritic", hidden)
        _activation("SeparableCritic", activation)
        check_int("SeparableCritic", "embed_dim", embed_dim, 1)
        self.g = mlp(x_dim, hidden, embed_dim, activation, generator=generator)
        self.h = mlp(y_dim, hidden, embed_dim, activation, generator=generator)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Scores of shape (n, m) for x of shape (n, d_x) and y of shape (m, d_y)."""
        return self.g(x) @ self.h(y).T


class BilinearCritic(nn.Module):
    """``f(x, y) = g(x)^T W h(y)``: the bilinear critic of CPC (van den Oord et al. 2018).

    Parameters
    ----------
    x_dim, y_dim : int
    hidden : int or sequence of int, default ()
        Hidden widths of the encoders g and h. With none (the default) the encoders
        are the identity and the critic is the bilinear form ``x^T W y``, whose
        maximal InfoNCE value is reached for jointly Gaussian data with linear
        dependence between x and y.
    embed_dim : int or None, default None
        Embedding dimension when ``hidden`` is not empty (defaults to 64).
    activation : str, default "softplus"
    generator : torch.Generator or None, default None
        Source of the initial weights (None: torch's global RNG).
    """

    eval_block = 2048

    def __init__(
        self,
        x_dim: int,
        y_dim: int,
        hidden: int | Sequence[int] = (),
        embed_dim: int | None = None,
        activation: str = DEFAULT_ACTIVATION,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        widths = _hidden("BilinearCritic", hidden)
        _activation("BilinearCritic", activation)
        if widths:
            k = DEFAULT_EMBED_DIM if embed_dim is None else check_int("BilinearCritic", "embed_dim", embed_dim, 1)
            self.g: nn.Module = mlp(x_dim, widths, k, activation, generator=generator)
            self.h: nn.Module = mlp(y_dim, widths, k, activation, generator=generator)
            kx = ky = k
        else:
            self.g = nn.Identity()
            self.h = nn.Identity()
            kx, ky = x_dim, y_dim
        device = None if generator is None else generator.device
        self.weight = nn.Parameter(torch.empty(kx, ky, device=device))
        nn.init.normal_(self.weight, std=1.0 / math.sqrt(kx * ky), generator=generator)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Scores of shape (n, m) for x of shape (n, d_x) and y of shape (m, d_y)."""
        return self.g(x) @ self.weight @ self.h(y).T


class ConcatCritic(nn.Module):
    """``f(x, y) = MLP([x, y])``: a joint critic, run on every pair.

    Parameters
    ----------
    x_dim, y_dim : int
    hidden : int or sequence of int, default (256, 256)
    activation : str, default "softplus"
    generator : torch.Generator or None, default None
        Source of the initial weights (None: torch's global RNG).

    Notes
    -----
    Scoring n x m pairs runs the network n m times: O(B^2) network evaluations per
    training batch of B, against O(B) for the separable critic. Prefer it on a GPU,
    or with small batches.
    """

    eval_block = 512

    def __init__(
        self,
        x_dim: int,
        y_dim: int,
        hidden: int | Sequence[int] = (256, 256),
        activation: str = DEFAULT_ACTIVATION,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        hidden = _hidden("ConcatCritic", hidden)
        _activation("ConcatCritic", activation)
        self.net = mlp(x_dim + y_dim, hidden, 1, activation, generator=generator)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Scores of shape (n, m) for x of shape (n, d_x) and y of shape (m, d_y)."""
        n, m = x.shape[0], y.shape[0]
        pairs = torch.cat([x[:, None, :].expand(n, m, x.shape[1]), y[None, :, :].expand(n, m, y.shape[1])], dim=2)
        return self.net(pairs).squeeze(-1)


class GaussianConditional(nn.Module):
    """Variational conditional ``q(y | x) = N(y; mu(x), diag(exp(logvar(x))))`` for CLUB (Cheng et al. 2020).

    Parameters
    ----------
    x_dim, y_dim : int
    hidden : int or sequence of int, default (256,)
    activation : str, default "softplus"
    generator : torch.Generator or None, default None
        Source of the initial weights (None: torch's global RNG).

    Notes
    -----
    ``forward(x, y)`` returns the log-likelihood matrix ``log q(y_j | x_i)`` of shape
    (n, m), in nats: the input of :func:`mutinfo.functional.club`. Train it by
    maximising its diagonal mean (the log-likelihood of the positive pairs).
    """

    eval_block = 2048

    def __init__(
        self,
        x_dim: int,
        y_dim: int,
        hidden: int | Sequence[int] = DEFAULT_HIDDEN,
        activation: str = DEFAULT_ACTIVATION,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        hidden = _hidden("GaussianConditional", hidden)
        _activation("GaussianConditional", activation)
        self.mean = mlp(x_dim, hidden, y_dim, activation, generator=generator)
        self.logvar = mlp(x_dim, hidden, y_dim, activation, generator=generator)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """log q(y_j | x_i), shape (n, m)."""
        mu = self.mean(x)  # (n, d)
        logvar = self.logvar(x)
        prec = torch.exp(-logvar)  # (n, d)
        # sum_k (y_jk - mu_ik)^2 prec_ik, expanded so that no (n, m, d) tensor is built.
        quad = (y**2) @ prec.T + ((mu**2) * prec).sum(1)[None, :] - 2.0 * y @ (mu * prec).T  # (m, n)
        const = logvar.sum(1) + x.new_tensor(y.shape[1] * math.log(2.0 * math.pi))
        return -0.5 * (quad.T + const[:, None])

    def log_likelihood(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """log q(y_i | x_i) of paired rows, shape (n,): the diagonal of ``forward`` in O(n)."""
        mu = self.mean(x)
        logvar = self.logvar(x)
        return -0.5 * (((y - mu) ** 2) * torch.exp(-logvar) + logvar + math.log(2.0 * math.pi)).sum(1)
