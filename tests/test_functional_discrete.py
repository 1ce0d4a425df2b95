"""Differentiable discrete MI, batch joints, IIC, NT-Xent and the VIB KL term."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mutinfo.functional as F
from mutinfo import DataError, ParameterError
from mutinfo.discrete import mutual_information_from_joint


def _random_probs(gen, shape, dtype=torch.float64):
    return torch.softmax(torch.randn(*shape, generator=gen, dtype=dtype), dim=-1)


@pytest.fixture
def gen():
    return torch.Generator().manual_seed(7)


# --- discrete_mutual_information -------------------------------------------------


def test_discrete_mi_hand_computed_tables():
    diag = torch.tensor([[0.5, 0.0], [0.0, 0.5]], dtype=torch.float64)
    assert float(F.discrete_mutual_information(diag)) == pytest.approx(math.log(2), abs=1e-12)
    noisy = torch.tensor([[0.4, 0.1], [0.1, 0.4]], dtype=torch.float64)
    # 0.8 log(0.4 / 0.25) + 0.2 log(0.1 / 0.25)
    assert float(F.discrete_mutual_information(noisy)) == pytest.approx(0.8 * math.log(1.6) + 0.2 * math.log(0.4), abs=1e-12)
    independent = torch.outer(torch.tensor([0.2, 0.8], dtype=torch.float64), torch.tensor([0.1, 0.3, 0.6], dtype=torch.float64))
    assert float(F.discrete_mutual_information(independent)) == pytest.approx(0.0, abs=1e-12)


def test_discrete_mi_matches_numpy_plugin_and_batches(gen):
    tables = torch.rand(5, 3, 4, generator=gen, dtype=torch.float64)
    tables = tables / tables.sum(dim=(-2, -1), keepdim=True)
    values = F.discrete_mutual_information(tables)
    assert values.shape == (5,)
    for t, v in zip(tables, values):
        assert float(v) == pytest.approx(mutual_information_from_joint(t.numpy()), abs=1e-12)


def test_discrete_mi_float32_and_rejects_bad_input():
    p = torch.tensor([[0.25, 0.25], [0.0, 0.5]])
    assert F.discrete_mutual_information(p).dtype == torch.float32
    with pytest.raises(DataError, match="p_joint of discrete_mutual_information must have at least 2 dimensions"):
        F.discrete_mutual_information(torch.ones(3) / 3)
    with pytest.raises(DataError, match="must be a torch.Tensor. Got list"):
        F.discrete_mutual_information([[0.5, 0.0], [0.0, 0.5]])


def test_discrete_mi_gradcheck(gen):
    logits = torch.randn(3, 4, generator=gen, dtype=torch.float64, requires_grad=True)

    def fn(t):
        return F.discrete_mutual_information(torch.softmax(t.flatten(), 0).reshape(3, 4))

    assert torch.autograd.gradcheck(fn, (logits,))


def test_discrete_mi_gradient_finite_on_empty_cells():
    p = torch.tensor([[0.5, 0.0], [0.0, 0.5]], dtype=torch.float64, requires_grad=True)
    F.discrete_mutual_information(p).backward()
    assert torch.isfinite(p.grad).all()


# --- batch_joint ----------------------------------------------------------------


def test_batch_joint_hand_computed():
    p = torch.tensor([[0.8, 0.2], [0.4, 0.6]], dtype=torch.float64)
    q = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]], dtype=torch.float64)
    expected = torch.tensor([[0.4, 0.1, 0.1], [0.1, 0.15, 0.15]], dtype=torch.float64)
    assert torch.allclose(F.batch_joint(p, q), expected, atol=1e-15)
    labels = torch.tensor([2, 0])
    # P[c, y] = mean_i p[i, c] [y_i = y]
    expected_labels = torch.tensor([[0.2, 0.0, 0.4], [0.3, 0.0, 0.1]], dtype=torch.float64)
    assert torch.allclose(F.batch_joint(p, labels, num_classes=3), expected_labels, atol=1e-15)


def test_batch_joint_labels_equal_one_hot(gen):
    p = _random_probs(gen, (2, 9, 4))  # two sub-heads
    labels = torch.randint(0, 5, (9,), generator=gen)
    one_hot = torch.nn.functional.one_hot(labels, 5).double()
    assert torch.allclose(F.batch_joint(p, labels, 5), F.batch_joint(p, one_hot.expand(2, 9, 5)), atol=1e-15)
    assert float(F.batch_joint(p, labels, 5).sum(dim=(-2, -1)).sub(1).abs().max()) < 1e-12


def test_batch_joint_errors():
    p = torch.full((3, 2), 0.5)
    with pytest.raises(DataError, match=r"labels q of batch_joint must lie in \[0, 1\] \(num_classes=2\). Got values in \[0, 2\]"):
        F.batch_joint(p, torch.tensor([0, 1, 2]))
    with pytest.raises(DataError, match=r"must have shape \(3,\) to match p"):
        F.batch_joint(p, torch.tensor([0, 1]))
    with pytest.raises(DataError, match="same number of samples. Got 3 and 2"):
        F.batch_joint(p, torch.full((2, 2), 0.5))
    with pytest.raises(ParameterError, match=r"The `num_classes` parameter of batch_joint must be an int in \[1, inf\]. Got 0"):
        F.batch_joint(p, torch.tensor([0, 1, 1]), num_classes=0)


# --- iic ------------------------------------------------------------------------


def test_iic_hand_computed():
    p = torch.eye(4, dtype=torch.float64)
    assert float(F.iic(p, p)) == pytest.approx(math.log(4), abs=1e-12)
    # lamb adds (lamb - 1) (H(Z) + H(Z')) = 2 log 4 when lamb = 2
    assert float(F.iic(p, p, lamb=2.0)) == pytest.approx(3 * math.log(4), abs=1e-12)
    # Views assigned to swapped clusters: the symmetrised joint is still one-to-one in pairs.
    q = p[[1, 0, 3, 2]]
    sym = 0.5 * (F.batch_joint(p, q) + F.batch_joint(q, p))
    assert float(F.iic(p, q)) == pytest.approx(mutual_information_from_joint(sym.numpy()), abs=1e-12)
    uniform = torch.full((6, 3), 1 / 3, dtype=torch.float64)
    assert float(F.iic(uniform, uniform)) == pytest.approx(0.0, abs=1e-12)


def test_iic_identity_with_entropies(gen):
    p, q = _random_probs(gen, (16, 5)), _random_probs(gen, (16, 5))
    joint = F.batch_joint(p, q)
    sym = 0.5 * (joint + joint.T)
    h_marg = -(sym.sum(1) * sym.sum(1).log()).sum()
    mi = F.discrete_mutual_information(sym)
    lamb = 1.7
    assert float(F.iic(p, q, lamb)) == pytest.approx(float(mi + (lamb - 1) * 2 * h_marg), abs=1e-12)
    assert float(F.iic(p, q)) == pytest.approx(float(F.iic(q, p)), abs=1e-12)


def test_iic_gradcheck_and_errors(gen):
    a = torch.randn(6, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    b = torch.randn(6, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, y: F.iic(torch.softmax(x, 1), torch.softmax(y, 1), lamb=1.5), (a, b))
    with pytest.raises(ParameterError, match=r"The `lamb` parameter of iic must be a real number in \[0.0, inf\]. Got -1"):
        F.iic(torch.eye(2), torch.eye(2), lamb=-1)
    with pytest.raises(DataError, match="p and p_prime of iic must have the same shape"):
        F.iic(torch.eye(2), torch.eye(3))


# --- nt_xent --------------------------------------------------------------------


def _nt_xent_by_loop(z1, z2, tau):
    z = torch.nn.functional.normalize(torch.cat([z1, z2]), dim=1)
    n = z1.shape[0]
    total = 0.0
    for i in range(2 * n):
        pos = (i + n) % (2 * n)
        sims = [float(z[i] @ z[j]) / tau for j in range(2 * n) if j != i]
        total += -float(z[i] @ z[pos]) / tau + math.log(sum(math.exp(s) for s in sims))
    return total / (2 * n)


def test_nt_xent_hand_computed(gen):
    e = torch.eye(2, dtype=torch.float64)
    assert float(F.nt_xent(e, e, temperature=1.0)) == pytest.approx(math.log(math.e + 2) - 1, abs=1e-12)
    z1, z2 = torch.randn(5, 3, generator=gen, dtype=torch.float64), torch.randn(5, 3, generator=gen, dtype=torch.float64)
    assert float(F.nt_xent(z1, z2, 0.3)) == pytest.approx(_nt_xent_by_loop(z1, z2, 0.3), abs=1e-10)


def test_nt_xent_bound_and_gradcheck(gen):
    # Perfectly aligned, well separated views: the loss tends to 0 and the bound to log(2n - 1).
    z = 10 * torch.eye(8, dtype=torch.float64)
    assert float(F.nt_xent(z, z, temperature=0.01)) == pytest.approx(0.0, abs=1e-12)
    a = torch.randn(4, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    b = torch.randn(4, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, y: F.nt_xent(x, y, 0.5), (a, b))
    zero = torch.zeros(3, 2, dtype=torch.float64, requires_grad=True)
    F.nt_xent(zero, zero).backward()
    assert torch.isfinite(zero.grad).all()


def test_nt_xent_errors():
    with pytest.raises(ParameterError, match=r"The `temperature` parameter of nt_xent must be a real number in \(0.0, inf\]. Got 0"):
        F.nt_xent(torch.eye(2), torch.eye(2), temperature=0)
    with pytest.raises(DataError, match="nt_xent needs at least 2 samples"):
        F.nt_xent(torch.ones(1, 2), torch.ones(1, 2))
    with pytest.raises(DataError, match=r"z1 of nt_xent must be a floating-point tensor of shape \(n, d\). Got \(4,\)"):
        F.nt_xent(torch.ones(4), torch.ones(4))


# --- kl_standard_normal -----------------------------------------------------------


def test_kl_standard_normal_closed_form_and_gradcheck(gen):
    mu = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    std = torch.tensor([[2.0, 1.0]], dtype=torch.float64)
    assert float(F.kl_standard_normal(mu, std)[0]) == pytest.approx(0.5 * (1 + 4 - 1 - 2 * math.log(2)), abs=1e-12)
    # Against torch.distributions' own KL
    m = torch.randn(4, 3, generator=gen, dtype=torch.float64)
    s = torch.rand(4, 3, generator=gen, dtype=torch.float64) + 0.1
    ref = torch.distributions.kl_divergence(torch.distributions.Normal(m, s), torch.distributions.Normal(0.0, 1.0)).sum(1)
    assert torch.allclose(F.kl_standard_normal(m, s), ref, atol=1e-12)
    assert torch.autograd.gradcheck(F.kl_standard_normal, (m.requires_grad_(), s.requires_grad_()))
    with pytest.raises(DataError, match="mu and std of kl_standard_normal must have the same shape"):
        F.kl_standard_normal(torch.zeros(2, 3), torch.ones(2, 2))


def test_numpy_free_float_dtype_preserved():
    p = torch.eye(3, dtype=torch.float64)
    assert F.iic(p, p).dtype == torch.float64
    assert np.isclose(float(F.iic(p.float(), p.float())), math.log(3), atol=1e-6)
