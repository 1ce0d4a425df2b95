"""NT-Xent (normalised temperature-scaled cross-entropy): InfoNCE for two views of a batch.

Each of the ``2n`` embeddings is an anchor whose positive is the other view of the
same sample, and whose ``2n - 2`` negatives are the remaining embeddings of both
views. The loss is the cross-entropy of picking the positive among the ``2n - 1``
candidates from cosine similarities divided by a temperature.

Minimising it maximises the InfoNCE lower bound on the mutual information between
the two views' embeddings (van den Oord et al. 2018; Poole et al. 2019)::

    I(Z1; Z2) >= log(2n - 1) - nt_xent(z1, z2)

(the bound saturates at ``log(2n - 1)`` nats: large batches are needed to certify
large MI).
"""

from __future__ import annotations

import math
from typing import Any

from .._errors import DataError
from .._validation import check_float
from ._discrete import check_matrix_pair, in_float32

__all__ = ["NORM_EPS", "nt_xent"]

# Rows are divided by max(||z||, NORM_EPS), so an all-zero embedding gives finite values.
NORM_EPS = 1e-12


@in_float32
def nt_xent(z1: Any, z2: Any, temperature: float = 0.1, *, normalize: bool = True) -> Any:
    """NT-Xent loss of two views of a batch of embeddings (SimCLR's contrastive loss).

    Parameters
    ----------
    z1, z2 : tensors of shape (n, d)
        Embeddings of two views; row ``i`` of ``z1`` and row ``i`` of ``z2`` come from
        the same sample. ``n >= 2``.
    temperature : float, default 0.1
        Divides the similarities, > 0. Small values sharpen the softmax.
    normalize : bool, default True
        Use cosine similarities (rows scaled to unit norm); False uses dot products.

    Returns
    -------
    scalar tensor
        The mean loss over the ``2n`` anchors, in nats; ``log(2n - 1) - loss`` is an
        InfoNCE lower bound on I(Z1; Z2) (biased low, saturating at ``log(2n - 1)``).
        Cost O(n^2 d) time and O(n^2) memory.

    References
    ----------
    Chen, Kornblith, Norouzi & Hinton (2020), "A Simple Framework for Contrastive
    Learning of Visual Representations", ICML. van den Oord, Li & Vinyals (2018),
    "Representation Learning with Contrastive Predictive Coding", arXiv:1807.03748.

    Examples
    --------
    >>> import torch
    >>> z = torch.eye(2)
    >>> round(float(nt_xent(z, z, temperature=1.0)), 4)   # -1 + log(e + 2)
    0.5514
    """
    import torch

    func = "nt_xent"
    temperature = check_float(func, "temperature", temperature, 0.0, lo_open=True)
    check_matrix_pair(func, "z1", z1, "z2", z2)
    n = z1.shape[0]
    if n < 2:
        raise DataError(f"{func} needs at least 2 samples (one positive and negatives per anchor). Got {n}.")
    z = torch.cat([z1, z2], dim=0)
    if normalize:
        z = z / z.norm(dim=1, keepdim=True).clamp_min(NORM_EPS)
    scores = z @ z.T / temperature
    self_mask = torch.eye(2 * n, dtype=torch.bool, device=z.device)
    scores = scores.masked_fill(self_mask, -math.inf)
    idx = torch.arange(n, device=z.device)
    positive = torch.cat([idx + n, idx])
    pos_scores = scores[torch.arange(2 * n, device=z.device), positive]
    return (torch.logsumexp(scores, dim=1) - pos_scores).mean()
