"""Loss modules give the same numbers as mutinfo.functional, and the values a hand computation gives."""

from __future__ import annotations

import math
import warnings

import pytest

torch = pytest.importorskip("torch")

import mutinfo.functional as F
from mutinfo import DataError, MutualInfoWarning, ParameterError
from mutinfo.losses import VIB, DiscreteMILoss, IICLoss, InfoNCELoss, NTXentLoss


@pytest.fixture
def gen():
    return torch.Generator().manual_seed(3)


def test_discrete_mi_loss_equals_functional(gen):
    logits = torch.randn(12, 4, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, 3, (12,), generator=gen)
    p = torch.softmax(logits, 1)
    expected = -F.discrete_mutual_information(F.batch_joint(p, labels, 3))
    assert float(DiscreteMILoss(num_classes=3)(logits, labels)) == float(expected)
    other = torch.randn(12, 5, generator=gen, dtype=torch.float64)
    expected2 = -F.discrete_mutual_information(F.batch_joint(p, torch.softmax(other, 1)))
    assert float(DiscreteMILoss()(logits, other)) == float(expected2)


def test_discrete_mi_loss_extremes():
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    perfect = 50.0 * torch.nn.functional.one_hot(labels, 3).double()
    assert float(DiscreteMILoss()(perfect, labels)) == pytest.approx(-math.log(3), abs=1e-9)
    constant = torch.zeros(6, 3, dtype=torch.float64)
    assert float(DiscreteMILoss()(constant, labels)) == pytest.approx(0.0, abs=1e-12)
    # A confident but wrong, one-to-one relabelled prediction carries the same information.
    shifted = 50.0 * torch.nn.functional.one_hot((labels + 1) % 3, 3).double()
    assert float(DiscreteMILoss()(shifted, labels)) == pytest.approx(-math.log(3), abs=1e-9)


def test_discrete_mi_loss_gradcheck(gen):
    logits = torch.randn(8, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 2, 2])
    assert torch.autograd.gradcheck(lambda x: DiscreteMILoss()(x, labels), (logits,))


def test_iic_loss_equals_functional_and_averages_subheads(gen):
    a = torch.randn(3, 10, 5, generator=gen, dtype=torch.float64)  # 3 sub-heads
    b = torch.randn(3, 10, 5, generator=gen, dtype=torch.float64)
    loss = IICLoss(lamb=1.3)(a, b)
    per_head = [-F.iic(torch.softmax(a[h], 1), torch.softmax(b[h], 1), lamb=1.3) for h in range(3)]
    assert float(loss) == pytest.approx(float(sum(per_head) / 3), abs=1e-12)
    assert torch.autograd.gradcheck(lambda x, y: IICLoss()(x, y), (a[0].clone().requires_grad_(), b[0].clone().requires_grad_()))


def test_iic_loss_minimum_is_minus_log_k():
    labels = torch.arange(20) % 4
    logits = 40.0 * torch.nn.functional.one_hot(labels, 4).double()
    assert float(IICLoss()(logits, logits)) == pytest.approx(-math.log(4), abs=1e-9)
    with pytest.raises(DataError, match="logits and logits_prime of IICLoss must have the same shape"):
        IICLoss()(logits, logits[:5])
    with pytest.raises(ParameterError, match=r"The `lamb` parameter of IICLoss must be a real number in \[0.0, inf\]. Got -0.5"):
        IICLoss(lamb=-0.5)


def test_ntxent_loss_equals_functional_and_exposes_bound(gen):
    z1 = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    z2 = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    loss = NTXentLoss(temperature=0.2)
    value = loss(z1, z2)
    assert float(value) == float(F.nt_xent(z1, z2, 0.2))
    assert float(loss.mi_bound) == pytest.approx(math.log(11) - float(value), abs=1e-12)
    assert float(NTXentLoss(temperature=0.2, normalize=False)(z1, z2)) == float(F.nt_xent(z1, z2, 0.2, normalize=False))
    with pytest.raises(ParameterError, match="The `normalize` parameter of NTXentLoss must be a bool. Got 'yes'"):
        NTXentLoss(normalize="yes")


def test_infonce_loss_is_the_infonce_bound(gen):
    """InfoNCELoss = -functional.infonce of its critic's scores (not NT-Xent); mi_bound = -loss <= log N."""
    z1 = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    z2 = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    loss = InfoNCELoss(temperature=0.2)
    value = loss(z1, z2)
    cos = torch.nn.functional.normalize(z1, dim=1) @ torch.nn.functional.normalize(z2, dim=1).T / 0.2
    assert float(value) == pytest.approx(-float(F.infonce(cos)), abs=1e-12)
    # By hand: mean_i [log N - CE_i] with CE the cross-entropy of picking column i in row i.
    by_hand = sum(math.log(6) + float(cos[i, i]) - math.log(sum(math.exp(float(c)) for c in cos[i])) for i in range(6)) / 6
    assert float(loss.mi_bound) == pytest.approx(by_hand, abs=1e-12)
    assert float(value) != pytest.approx(float(F.nt_xent(z1, z2, 0.2)), abs=1e-3)
    critic = _Bilinear(4, 4)
    with_critic = InfoNCELoss(critic)
    assert float(with_critic(z1, z2).detach()) == pytest.approx(-float(F.infonce(critic(z1, z2)).detach()), abs=1e-12)
    # The log-batch cap: perfectly separated pairs reach log N and never more.
    eye = torch.eye(5, dtype=torch.float64)
    sharp = InfoNCELoss(temperature=1e-3)
    sharp(eye, eye)
    assert float(sharp.mi_bound) == pytest.approx(math.log(5), abs=1e-9)
    for _ in range(20):
        a, b = torch.randn(5, 3, generator=gen, dtype=torch.float64), torch.randn(5, 3, generator=gen, dtype=torch.float64)
        sharp(a, a + 0.01 * b)
        assert float(sharp.mi_bound) <= math.log(5) + 1e-12
    assert torch.autograd.gradcheck(lambda a, b: InfoNCELoss(temperature=0.5)(a, b), (z1.clone().requires_grad_(), z2.clone().requires_grad_()))
    with pytest.raises(ParameterError, match="The `distributed` parameter of InfoNCELoss must be"):
        InfoNCELoss(distributed="yes")
    with pytest.raises(DataError, match=r"x and y of CosineCritic must have shapes \(n, d\) and \(m, d\). Got \(6, 4\) and \(6, 3\)"):
        InfoNCELoss()(z1, z2[:, :3])


def test_vib_kl_equals_functional_and_sampling(gen):
    torch.manual_seed(0)
    layer = VIB(5, 3, beta=0.1).double()
    h = torch.randn(4000, 5, generator=gen, dtype=torch.float64)
    layer.eval()
    with torch.no_grad():
        z = layer(h)
        mu, std = layer.encode(h)
        assert torch.equal(z, mu)
        assert float(layer.kl) == pytest.approx(float(F.kl_standard_normal(mu, std).mean()), abs=1e-12)
        assert float(layer.loss) == pytest.approx(0.1 * float(layer.kl), abs=1e-15)
    # Training mode: reparameterised samples with the encoder's standard deviation.
    with torch.no_grad():
        layer.encoder.bias[3:] = 5.0  # std = softplus(0) = log 2 for every unit
        layer.encoder.weight[3:] = 0.0
    layer.train()
    with torch.no_grad():
        z = layer(h)
        mu, std = layer.encode(h)
    assert torch.allclose(std, torch.full_like(std, math.log(2)))
    assert float((z - mu).std()) == pytest.approx(math.log(2), rel=0.03)
    # `sample=` overrides the mode: a sampled code in eval mode, the mean in training mode.
    with torch.no_grad():
        assert torch.equal(layer(h, sample=False), mu)
        layer.eval()
        z = layer(h, sample=True)
    assert float((z - mu).std()) == pytest.approx(math.log(2), rel=0.03)
    with pytest.raises(ParameterError, match="The `sample` parameter of VIB.forward must be a bool. Got 1"):
        layer(h, sample=1)


def test_vib_gradients_finite_and_errors():
    layer = VIB(3, 2)
    out = layer(torch.randn(7, 3))
    (out.square().mean() + layer.loss).backward()
    assert all(torch.isfinite(p.grad).all() for p in layer.parameters())
    with pytest.raises(ParameterError, match=r"The `bottleneck` parameter of VIB must be an int in \[1, inf\]. Got 0"):
        VIB(3, 0)
    with pytest.raises(ParameterError, match="The `beta` parameter of VIB must be a real number"):
        VIB(3, 2, beta=-1.0)


# --- critic-based bounds ----------------------------------------------------------


class _Bilinear(torch.nn.Module):
    def __init__(self, dx, dy):
        super().__init__()
        self.w = torch.nn.Parameter(0.3 * torch.randn(dx, dy, generator=torch.Generator().manual_seed(5), dtype=torch.float64))

    def forward(self, x, y):
        return x @ self.w @ y.T


@pytest.mark.parametrize("name", ["NWJLoss", "JSLoss", "SMILELoss"])
def test_critic_losses_equal_functional(gen, name):
    from mutinfo import losses

    x = torch.randn(9, 3, generator=gen, dtype=torch.float64)
    y = torch.randn(9, 2, generator=gen, dtype=torch.float64)
    critic = _Bilinear(3, 2)
    scores = critic(x, y)
    fn = {"NWJLoss": F.nwj, "JSLoss": F.js, "SMILELoss": lambda s: F.smile(s, clip=5.0)}[name]
    loss = getattr(losses, name)(critic)
    assert float(loss(x, y).detach()) == pytest.approx(-float(fn(scores).detach()), abs=1e-12)
    if name == "NWJLoss":
        assert torch.autograd.gradcheck(lambda a, b: loss(a, b), (x.clone().requires_grad_(), y.clone().requires_grad_()))
    else:  # value of a bound, gradient of the Jensen-Shannon objective
        a = x.clone().requires_grad_()
        (g,) = torch.autograd.grad(loss(a, y), a)
        b = x.clone().requires_grad_()
        (g_ref,) = torch.autograd.grad(-F.js_fgan(critic(b, y)), b)
        assert torch.allclose(g, g_ref, atol=1e-12)
        assert torch.autograd.gradcheck(lambda a, b: -F.js_fgan(critic(a, b)), (x.clone().requires_grad_(), y.clone().requires_grad_()))


def test_nwj_loss_hand_computed():
    from mutinfo.losses import NWJLoss

    # scores = x y^T with x = y = [1, 0]^T: diagonal (1, 0), off-diagonal (0, 0)
    x = torch.tensor([[1.0], [0.0]], dtype=torch.float64)
    loss = NWJLoss(lambda a, b: a @ b.T)
    # NWJ = E_p f - e^{-1} E_q e^f = 0.5 - e^{-1}
    assert float(loss(x, x)) == pytest.approx(-(0.5 - math.exp(-1)), abs=1e-12)


def test_mine_loss_keeps_state_and_matches_functional(gen):
    from mutinfo.losses import MINELoss

    critic = _Bilinear(3, 3)
    loss = MINELoss(critic, momentum=0.5)
    x1, x2 = (torch.randn(8, 3, generator=gen, dtype=torch.float64) for _ in range(2))
    v1 = loss(x1, x1 + 0.1)
    ref1, state1 = F.mine(critic(x1, x1 + 0.1), None, momentum=0.5)
    assert float(v1.detach()) == pytest.approx(-float(ref1.detach()), abs=1e-12)
    assert float(loss.state) == pytest.approx(float(state1), abs=1e-12)
    v2 = loss(x2, x2)
    ref2, state2 = F.mine(critic(x2, x2), state1, momentum=0.5)
    assert float(v2.detach()) == pytest.approx(-float(ref2.detach()), abs=1e-12)
    assert float(loss.state) == pytest.approx(float(state2), abs=1e-12)
    assert "state" in loss.state_dict()
    loss.reset()
    assert bool(torch.isnan(loss.state))
    with pytest.raises(ParameterError, match=r"The `momentum` parameter of MINELoss must be a real number in \[0.0, 1.0\)"):
        MINELoss(critic, momentum=1.0)


def test_critic_loss_errors():
    from mutinfo.losses import NWJLoss

    with pytest.raises(ParameterError, match="The `critic` parameter of NWJLoss must be a callable critic"):
        NWJLoss(critic=3)
    bad = NWJLoss(lambda a, b: a @ b.T[:, :1])
    with pytest.raises(DataError, match=r"the critic of NWJLoss must return scores of shape \(4, 4\). Got \(4, 1\)"):
        bad(torch.ones(4, 2), torch.ones(4, 2))


def test_club_loss_log_likelihoods_and_value(gen):
    from mutinfo.losses import CLUBLoss

    club = CLUBLoss(3, 2, hidden=5).double()
    x = torch.randn(6, 3, generator=gen, dtype=torch.float64)
    y = torch.randn(6, 2, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        ll = club.log_likelihoods(x, y)
        mu, std = club.mu(x), (0.5 * club.logvar(x)).exp()
        ref = torch.distributions.Normal(mu.unsqueeze(1), std.unsqueeze(1)).log_prob(y.unsqueeze(0)).sum(-1)
        assert torch.allclose(ll, ref, atol=1e-12)
        assert float(club(x, y)) == pytest.approx(float(F.club(ref)), abs=1e-12)
        assert float(club.learning_loss(x, y)) == pytest.approx(-float(ref.diagonal().mean()), abs=1e-12)
    assert torch.autograd.gradcheck(lambda a, b: club(a, b), (x.clone().requires_grad_(), y.clone().requires_grad_()))
    with pytest.raises(DataError, match=r"CLUBLoss needs x of shape \(n, x_dim\) and y of shape \(n, 2\)"):
        club(x, y[:, :1])


def test_club_training_reduces_estimate_of_dependent_pair():
    """Fitting q on y = x + noise makes CLUB large; on independent pairs it stays near 0."""
    from mutinfo.losses import CLUBLoss

    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(256, 1, generator=gen)
    y_dep = x + 0.3 * torch.randn(256, 1, generator=gen)
    y_ind = torch.randn(256, 1, generator=gen)
    values = {}
    for name, y in (("dep", y_dep), ("ind", y_ind)):
        club = CLUBLoss(1, 1, hidden=16)
        opt = torch.optim.Adam(club.parameters(), lr=0.02)
        for _ in range(300):
            opt.zero_grad()
            club.learning_loss(x, y).backward()
            opt.step()
        with torch.no_grad():
            values[name] = float(club(x, y))
    true_dep = 0.5 * math.log(1 + 1 / 0.09)  # I(X; X + N(0, 0.3^2)) for X ~ N(0, 1): 1.25 nats
    assert values["dep"] > 0.8 * true_dep
    assert abs(values["ind"]) < 0.1


# --- from_logits, mixed precision, input errors -----------------------------------


def test_from_logits_false_takes_probabilities(gen):
    """IICLoss()(p, p) on probabilities used to apply softmax again (-0.0012 instead of -1.55)."""
    logits = 4.0 * torch.randn(200, 5, generator=gen, dtype=torch.float64)
    p = logits.softmax(-1)
    with pytest.warns(MutualInfoWarning, match="look like probabilities"):
        flattened = IICLoss()(p, p)
    assert float(flattened) > -0.01  # the silent failure the warning is about
    assert float(IICLoss(from_logits=False)(p, p)) == pytest.approx(float(IICLoss()(logits, logits)), abs=1e-12)
    assert float(IICLoss()(logits, logits)) < -0.5
    labels = torch.randint(0, 5, (200,), generator=gen)
    assert float(DiscreteMILoss(from_logits=False)(p, labels)) == pytest.approx(float(DiscreteMILoss()(logits, labels)), abs=1e-12)
    assert float(DiscreteMILoss(from_logits=False)(p, p.flip(0))) == pytest.approx(float(DiscreteMILoss()(logits, logits.flip(0))), abs=1e-12)
    # Probabilities that do not quite sum to 1 (rounding) are renormalised, as Keras does.
    assert float(DiscreteMILoss(from_logits=False)(1.001 * p, labels)) == pytest.approx(float(DiscreteMILoss()(logits, labels)), abs=1e-12)
    with pytest.warns(MutualInfoWarning, match="target of DiscreteMILoss look like probabilities"):
        DiscreteMILoss()(logits, p)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DiscreteMILoss()(logits, labels)  # logits: no warning
        IICLoss(from_logits=False)(p, p)
    with pytest.raises(ParameterError, match="The `from_logits` parameter of IICLoss must be a bool. Got 'no'"):
        IICLoss(from_logits="no")
    with pytest.raises(DataError, match="logits of DiscreteMILoss must hold probabilities"):
        DiscreteMILoss(from_logits=False)(logits, labels)


def test_input_errors(gen):
    logits = torch.randn(6, 3, generator=gen)
    with pytest.raises(DataError, match=r"target of DiscreteMILoss must hold integer labels .* Got dtype torch.bool; convert it with target.long\(\)"):
        DiscreteMILoss()(logits, torch.tensor([True, False] * 3))
    with pytest.raises(DataError, match=r"logits of DiscreteMILoss is empty: the batch needs at least one sample"):
        DiscreteMILoss()(logits[:0], torch.zeros(0, dtype=torch.long))
    with pytest.raises(DataError, match=r"logits of IICLoss is empty"):
        IICLoss()(logits[:0], logits[:0])
    with pytest.raises(DataError, match=r"logits of DiscreteMILoss must be a floating-point tensor of logits. Got dtype torch.int64 \(labels go in `target`"):
        DiscreteMILoss()(torch.ones(6, 3, dtype=torch.long), torch.zeros(6, dtype=torch.long))
    with pytest.raises(DataError, match=r"logits_prime of IICLoss must be a floating-point tensor of probabilities. Got dtype torch.bool"):
        IICLoss(from_logits=False)(logits.softmax(-1), logits > 0)


class _Dot:
    """Critic ``a @ b.T`` rounded to the inputs' dtype; keeps its last scores (for a float64 reference).

    The product itself is taken in float64, so that what is tested is the loss's arithmetic
    on half-precision scores, not the critic's own half-precision matrix product.
    """

    def __call__(self, a, b):
        scores = (a.double() @ b.double().T).to(a.dtype)
        self.last = scores.detach()
        return scores


_BOUND_OF = {"InfoNCELoss(critic)": F.infonce, "NWJLoss": F.nwj, "JSLoss": F.js, "SMILELoss": F.smile, "MINELoss": F.dv}


def _half_cases():
    """name -> (make_loss(dtype) -> module, inputs(gen) -> tuple of float64 tensors). Large logits and scores on purpose."""
    from mutinfo import losses

    def two(gen, scale, d=4, n=48):
        x = torch.randn(n, d, generator=gen, dtype=torch.float64)
        return scale * x, scale * (x + 0.3 * torch.randn(n, d, generator=gen, dtype=torch.float64))

    return {
        "DiscreteMILoss(labels)": (lambda dt: DiscreteMILoss(), lambda gen: (40 * torch.randn(48, 4, generator=gen, dtype=torch.float64),
                                                                             torch.randint(0, 4, (48,), generator=gen))),
        "DiscreteMILoss(two logits)": (lambda dt: DiscreteMILoss(), lambda gen: two(gen, 20.0)),
        "IICLoss": (lambda dt: IICLoss(), lambda gen: two(gen, 20.0)),
        "InfoNCELoss": (lambda dt: InfoNCELoss(temperature=0.05), lambda gen: two(gen, 1.0)),
        "InfoNCELoss(critic)": (lambda dt: InfoNCELoss(_Dot()), lambda gen: two(gen, 1.0)),  # scores up to ~ 11 off the diagonal
        "NTXentLoss": (lambda dt: NTXentLoss(temperature=0.05), lambda gen: two(gen, 1.0)),
        "NWJLoss": (lambda dt: losses.NWJLoss(_Dot()), lambda gen: two(gen, 1.0)),
        "JSLoss": (lambda dt: losses.JSLoss(_Dot()), lambda gen: two(gen, 1.0)),
        "SMILELoss": (lambda dt: losses.SMILELoss(_Dot()), lambda gen: two(gen, 1.0)),
        "MINELoss": (lambda dt: losses.MINELoss(_Dot()), lambda gen: two(gen, 1.0)),
        "CLUBLoss": (lambda dt: losses.CLUBLoss(4, 4, hidden=8).to(dt), lambda gen: two(gen, 3.0)),
        "VIB": (lambda dt: VIB(4, 2).to(dt), lambda gen: two(gen, 3.0)[:1]),
    }


def _run(loss, inputs):
    out = loss(*inputs)
    return out if not isinstance(loss, VIB) else loss.loss + out.float().square().mean()


def _reference(name, make, loss, inputs):
    """The float64 value of the same computation on the same (rounded) inputs or critic scores; None for modules with layers."""
    if name in _BOUND_OF:
        return -_BOUND_OF[name](loss.critic.last.double())
    if name in ("CLUBLoss", "VIB"):
        return None
    return _run(make(torch.float64), tuple(t.detach().double() if t.is_floating_point() else t for t in inputs))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("name", list(_half_cases()))
def test_every_loss_finite_in_half_precision(name, dtype):
    """fp16/bf16 inputs: finite value and gradients, equal to the float64 value of the same (rounded) inputs."""
    make, inputs = _half_cases()[name]
    torch.manual_seed(0)
    low = tuple(t.to(dtype).requires_grad_() if t.is_floating_point() else t for t in inputs(torch.Generator().manual_seed(1)))
    loss = make(dtype)
    value = _run(loss, low)
    value.backward()
    assert torch.isfinite(value), (name, value)
    for t in low:
        if t.is_floating_point():
            assert torch.isfinite(t.grad).all(), name
    for p in loss.parameters():
        assert torch.isfinite(p.grad).all(), name
    ref = _reference(name, make, loss, low)
    if ref is not None:
        assert float(value.detach()) == pytest.approx(float(ref), rel=1e-4, abs=1e-4), name


@pytest.mark.parametrize("name", list(_half_cases()))
def test_every_loss_finite_under_autocast(name):
    """torch.autocast (bfloat16 on CPU): the model's outputs are bfloat16, the loss is finite and computed in float32."""
    make, inputs = _half_cases()[name]
    xs = tuple(t.float() if t.is_floating_point() else t for t in inputs(torch.Generator().manual_seed(2)))
    torch.manual_seed(0)
    head = torch.nn.Linear(xs[0].shape[1], xs[0].shape[1])
    with torch.no_grad():
        head.weight.copy_(torch.eye(xs[0].shape[1]))
        head.bias.zero_()
    loss = make(torch.float32)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        outs = tuple(head(t) if t.is_floating_point() else t for t in xs)
        assert outs[0].dtype == torch.bfloat16
        value = _run(loss, outs)
    value.backward()
    assert value.dtype == torch.float32
    assert torch.isfinite(value) and torch.isfinite(head.weight.grad).all(), name
    for p in loss.parameters():
        assert torch.isfinite(p.grad).all(), name
    ref = _reference(name, make, loss, outs)
    if ref is not None:
        assert float(value.detach()) == pytest.approx(float(ref), rel=1e-4, abs=1e-4), name


def test_functional_half_precision_is_float32():
    """The table functions compute in float32 for half inputs; EPS no longer underflows to 0 (0 * log 0 = NaN)."""
    p = torch.tensor([[0.5, 0.0], [0.0, 0.5]], dtype=torch.float16, requires_grad=True)
    value = F.discrete_mutual_information(p)
    value.backward()
    assert value.dtype == torch.float32 and float(value.detach()) == pytest.approx(math.log(2), abs=1e-6)
    assert torch.isfinite(p.grad).all()
    s = (11.0 + torch.randn(32, 32, generator=torch.Generator().manual_seed(0))).half()
    for fn in (F.nwj, F.js, F.tuba, F.dv, F.infonce, F.smile):
        assert torch.isfinite(fn(s)), fn.__name__
        assert float(fn(s)) == pytest.approx(float(fn(s.double())), rel=1e-5), fn.__name__
