"""The critic-score bounds of mutinfo.functional: hand-computed values, gradients, bound properties."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mutinfo.functional as F  # noqa: E402
from mutinfo import DataError, ParameterError  # noqa: E402

E = math.e
# scores[i, j] = f(x_i, y_j); diagonal (2, 1, 3), off-diagonal (0, 1, 0, -1, 1, 0).
S = [[2.0, 0.0, 1.0], [0.0, 1.0, -1.0], [1.0, 0.0, 3.0]]
DIAG_MEAN = 2.0
# Mean of exp over the six off-diagonal entries.
M = (1 + E + 1 + 1 / E + E + 1) / 6


def scores(requires_grad: bool = False) -> "torch.Tensor":
    return torch.tensor(S, dtype=torch.float64, requires_grad=requires_grad)


def softplus(v: float) -> float:
    return math.log1p(math.exp(v))


# ---------------------------------------------------------------------------
# Hand-computed values on a 3 x 3 score matrix.


def test_infonce_hand_value():
    rows = [math.log(E**2 + 1 + E), math.log(1 + E + 1 / E), math.log(E + 1 + E**3)]
    want = (2 - rows[0] + 1 - rows[1] + 3 - rows[2]) / 3 + math.log(3)
    assert F.infonce(scores()).item() == pytest.approx(want, rel=1e-12)


def test_nwj_hand_value():
    assert F.nwj(scores()).item() == pytest.approx(DIAG_MEAN - M / E, rel=1e-12)


def test_dv_hand_value():
    assert F.dv(scores()).item() == pytest.approx(DIAG_MEAN - math.log(M), rel=1e-12)


def test_log_mean_exp_offdiagonal_hand_value():
    assert F.log_mean_exp_offdiagonal(scores()).item() == pytest.approx(math.log(M), rel=1e-12)


def test_tuba_hand_values():
    assert F.tuba(scores()).item() == pytest.approx(1 + DIAG_MEAN - M, rel=1e-12)
    # A per-column baseline a(y_j) = (0.5, -1, 2).
    a = [0.5, -1.0, 2.0]
    off = [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]
    m_a = sum(math.exp(S[i][j] - a[j]) for i, j in off) / 6
    want = 1 + sum(S[i][i] - a[i] for i in range(3)) / 3 - m_a
    assert F.tuba(scores(), torch.tensor(a, dtype=torch.float64)).item() == pytest.approx(want, rel=1e-12)
    # NWJ is TUBA with the constant baseline a = 1.
    assert F.tuba(scores(), 1.0).item() == pytest.approx(F.nwj(scores()).item(), rel=1e-12)


def test_js_fgan_and_js_hand_values():
    off_vals = [0.0, 1.0, 0.0, -1.0, 1.0, 0.0]
    want_fgan = -sum(softplus(-d) for d in (2.0, 1.0, 3.0)) / 3 - sum(softplus(v) for v in off_vals) / 6
    assert F.js_fgan(scores()).item() == pytest.approx(want_fgan, rel=1e-12)
    # js reports NWJ at the critic 1 + f.
    assert F.js(scores()).item() == pytest.approx(1 + DIAG_MEAN - M, rel=1e-12)
    assert F.js(scores()).item() == pytest.approx(F.nwj(scores() + 1.0).item(), rel=1e-12)


def test_smile_hand_values_clip_negatives_only():
    # tau = 0.5 clips the off-diagonal (1, -1) entries; the positives (2, 1, 3) are not clipped.
    m_clip = (1 + math.exp(0.5) + 1 + math.exp(-0.5) + math.exp(0.5) + 1) / 6
    assert F.smile(scores(), clip=0.5).item() == pytest.approx(DIAG_MEAN - math.log(m_clip), rel=1e-12)
    assert F.smile(scores(), clip=None).item() == pytest.approx(F.dv(scores()).item(), rel=1e-12)
    assert F.smile(scores(), clip=5.0).item() == pytest.approx(F.dv(scores()).item(), rel=1e-12)


def test_club_hand_value():
    assert F.club(scores()).item() == pytest.approx(DIAG_MEAN - (0 + 1 + 0 - 1 + 1 + 0) / 6, rel=1e-12)


def test_mine_value_and_state():
    value, state = F.mine(scores())
    assert value.item() == pytest.approx(DIAG_MEAN - math.log(M), rel=1e-12)
    assert state.item() == pytest.approx(math.log(M), rel=1e-12)
    assert not state.requires_grad
    # With a previous state s and momentum 0.75: state' = log(0.75 e^s + 0.25 M).
    value2, state2 = F.mine(scores(), state=torch.tensor(-2.0, dtype=torch.float64), momentum=0.75)
    assert state2.item() == pytest.approx(math.log(0.75 * math.exp(-2.0) + 0.25 * M), rel=1e-12)
    assert value2.item() == pytest.approx(DIAG_MEAN - math.log(M), rel=1e-12)


def test_mine_state_is_log_space_and_does_not_overflow():
    big = scores() + 800.0  # exp(800) overflows float64
    value, state = F.mine(big, state=torch.tensor(790.0, dtype=torch.float64), momentum=0.9)
    assert math.isfinite(value.item()) and math.isfinite(state.item())
    assert state.item() == pytest.approx(math.log(0.9 * math.exp(-10.0) + 0.1 * M) + 800.0, rel=1e-12)


# ---------------------------------------------------------------------------
# Gradients.


@pytest.mark.parametrize(
    "fn",
    [F.infonce, F.nwj, F.dv, F.tuba, F.js_fgan, F.club, F.log_mean_exp_offdiagonal],
    ids=lambda f: f.__name__,
)
def test_gradcheck(fn):
    gen = torch.Generator().manual_seed(0)
    s = torch.randn(5, 5, generator=gen, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(fn, (s,))


def test_gradcheck_tuba_baseline():
    gen = torch.Generator().manual_seed(1)
    s = torch.randn(4, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    a = torch.randn(4, generator=gen, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(F.tuba, (s, a))


def test_diagonal_gets_no_gradient_from_negative_terms():
    s = scores(True)
    F.log_mean_exp_offdiagonal(s).backward()
    assert torch.all(s.grad.diagonal() == 0)
    s = scores(True)
    F.dv(s).backward()
    assert torch.allclose(s.grad.diagonal(), torch.full((3,), 1 / 3, dtype=torch.float64))


@pytest.mark.parametrize(
    "fn", [F.js, lambda s: F.smile(s, clip=0.5), lambda s: F.smile(s, clip=None)], ids=["js", "smile0.5", "smile_noclip"]
)
def test_js_and_smile_train_with_the_js_gradient(fn):
    s1, s2 = scores(True), scores(True)
    fn(s1).backward()
    F.js_fgan(s2).backward()
    assert torch.allclose(s1.grad, s2.grad, rtol=0, atol=1e-15)


def test_mine_gradient_uses_the_moving_average():
    s = scores(True)
    state = torch.tensor(0.3, dtype=torch.float64)
    value, new_state = F.mine(s, state=state, momentum=0.5)
    value.backward()
    avg = math.exp(new_state.item())
    want = torch.eye(3, dtype=torch.float64) / 3
    for i in range(3):
        for j in range(3):
            if i != j:
                want[i, j] = -math.exp(S[i][j]) / 6 / avg
    assert torch.allclose(s.grad, want, rtol=1e-12, atol=1e-14)
    # Momentum 0 gives back the DV gradient.
    s1, s2 = scores(True), scores(True)
    F.mine(s1, state=state, momentum=0.0)[0].backward()
    F.dv(s2).backward()
    assert torch.allclose(s1.grad, s2.grad, rtol=1e-12)


# ---------------------------------------------------------------------------
# Properties on Gaussian samples with the exact (optimal) critic.

RHO = 0.8
TRUE_MI = -0.5 * math.log(1 - RHO**2)  # 0.5108 nats


def _gaussian_batches(n_batches: int, b: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_batches, b))
    y = RHO * x + math.sqrt(1 - RHO**2) * rng.standard_normal((n_batches, b))
    return x, y


def _log_ratio(x: np.ndarray, y: np.ndarray) -> "torch.Tensor":
    """log p(x_i, y_j) / (p(x_i) p(y_j)) for every pair of a batch, shape (n_batches, B, B)."""
    xi, yj = x[:, :, None], y[:, None, :]
    r = -0.5 * math.log(1 - RHO**2) - (RHO**2 * (xi**2 + yj**2) - 2 * RHO * xi * yj) / (2 * (1 - RHO**2))
    return torch.as_tensor(r)


def _bound_values(fn, critics: "torch.Tensor") -> np.ndarray:
    return np.array([float(fn(c)) for c in critics])


LOWER = {
    "infonce": F.infonce,
    "nwj": lambda s: F.nwj(s + 1.0),  # NWJ's optimum is 1 + log r
    "tuba": F.tuba,
    "dv": F.dv,
    "mine": lambda s: F.mine(s)[0],
    "js": F.js,
    "smile": F.smile,
}


@pytest.mark.parametrize("name", sorted(LOWER))
@pytest.mark.parametrize("scale", [0.5, 1.6])
def test_lower_bounds_stay_below_the_true_mi_with_a_suboptimal_critic(name, scale):
    x, y = _gaussian_batches(300, 64, seed=7)
    vals = _bound_values(LOWER[name], scale * _log_ratio(x, y))
    se = vals.std(ddof=1) / math.sqrt(len(vals))
    assert vals.mean() + 3 * se < TRUE_MI


@pytest.mark.parametrize("name", ["nwj", "tuba", "js"])
def test_unbiased_bounds_reach_the_true_mi_with_the_optimal_critic(name):
    x, y = _gaussian_batches(300, 64, seed=3)
    vals = _bound_values(LOWER[name], _log_ratio(x, y))
    se = vals.std(ddof=1) / math.sqrt(len(vals))
    assert abs(vals.mean() - TRUE_MI) < 4 * se
    assert se < 0.01


def test_dv_family_is_close_with_the_optimal_critic():
    x, y = _gaussian_batches(300, 64, seed=4)
    critics = _log_ratio(x, y)
    for fn in (F.dv, F.smile):
        assert _bound_values(fn, critics).mean() == pytest.approx(TRUE_MI, abs=0.02)


def test_infonce_never_exceeds_log_batch():
    x, y = _gaussian_batches(50, 16, seed=5)
    vals = _bound_values(F.infonce, 100.0 * _log_ratio(x, y))
    assert vals.max() <= math.log(16) + 1e-12
    assert vals.mean() < TRUE_MI + 0.0  # also a lower bound at the optimum
    vals = _bound_values(F.infonce, _log_ratio(x, y))
    assert vals.mean() < TRUE_MI


def test_club_is_above_the_true_mi_with_the_true_conditional():
    x, y = _gaussian_batches(300, 64, seed=6)
    xi, yj = x[:, :, None], y[:, None, :]
    var = 1 - RHO**2
    loglik = torch.as_tensor(-0.5 * math.log(2 * math.pi * var) - (yj - RHO * xi) ** 2 / (2 * var))
    vals = _bound_values(F.club, loglik)
    se = vals.std(ddof=1) / math.sqrt(len(vals))
    # For Gaussians CLUB with the true conditional equals rho^2 / (1 - rho^2) = 1.78 nats > I = 0.51.
    assert vals.mean() - 3 * se > TRUE_MI
    assert vals.mean() == pytest.approx(RHO**2 / (1 - RHO**2), abs=4 * se)


# ---------------------------------------------------------------------------
# Errors.


@pytest.mark.parametrize("fn", [F.infonce, F.nwj, F.dv, F.tuba, F.js, F.smile, F.club, F.js_fgan])
def test_scores_must_be_square(fn):
    with pytest.raises(
        DataError, match=r"must be a floating-point torch tensor of shape \(B, B\) with B >= 2.*Got shape \(3, 4\)"
    ):
        fn(torch.zeros(3, 4))
    with pytest.raises(DataError, match=r"Got shape \(1, 1\)"):
        fn(torch.zeros(1, 1))
    with pytest.raises(DataError, match="Got list"):
        fn([[0.0, 1.0], [1.0, 0.0]])


def test_parameter_errors():
    with pytest.raises(
        ParameterError, match=r"The `clip` parameter of smile must be None or a positive finite real number. Got -1"
    ):
        F.smile(scores(), clip=-1.0)
    with pytest.raises(ParameterError, match=r"The `momentum` parameter of mine must be a real number in \[0, 1\). Got 1.0"):
        F.mine(scores(), momentum=1.0)
    with pytest.raises(DataError, match=r"`log_baseline` argument of tuba must be None, a scalar or a tensor of shape \(3,\)"):
        F.tuba(scores(), torch.zeros(2))
