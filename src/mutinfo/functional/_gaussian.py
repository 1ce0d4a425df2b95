"""KL divergence of a diagonal Gaussian from the standard normal (the VIB rate term)."""

from __future__ import annotations

from typing import Any

from ._discrete import check_matrix_pair, in_float32

__all__ = ["STD_EPS", "kl_standard_normal"]

# Standard deviations are clamped at STD_EPS inside the logarithm (finite KL and gradient).
STD_EPS = 1e-8


@in_float32
def kl_standard_normal(mu: Any, std: Any) -> Any:
    """KL( N(mu, diag(std^2)) || N(0, I) ) for each row, in nats.

    ``KL = 1/2 sum_j (mu_j^2 + std_j^2 - 1 - 2 log std_j)``. Averaged over the data,
    it is the variational upper bound on I(X; Z) used by the Variational Information
    Bottleneck (the rate term), with the standard normal as the marginal.

    Parameters
    ----------
    mu, std : tensors of shape (n, d)
        Mean and standard deviation (> 0) of the encoder's Gaussian for each sample.

    Returns
    -------
    tensor of shape (n,)
        KL of each row, >= 0. Cost O(n d).

    References
    ----------
    Alemi, Fischer, Dillon & Murphy (2017), "Deep Variational Information
    Bottleneck", ICLR. Kingma & Welling (2014), "Auto-Encoding Variational Bayes".

    Examples
    --------
    >>> import torch
    >>> float(kl_standard_normal(torch.zeros(1, 3), torch.ones(1, 3))[0])
    0.0
    """
    check_matrix_pair("kl_standard_normal", "mu", mu, "std", std)
    return 0.5 * (mu.square() + std.square() - 1.0 - 2.0 * std.clamp_min(STD_EPS).log()).sum(dim=1)
