"""InformationPlane: hooks that leave training untouched, records, history, figure, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mutinfo as mi  # noqa: E402
from mutinfo.datasets import twelve_bit  # noqa: E402
from mutinfo.monitor import BinningEstimator, InformationPlane, Monitor, MutualInformationMetric, fit  # noqa: E402


def _net(seed=0, dropout=0.2):
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(12, 10),
        torch.nn.BatchNorm1d(10),
        torch.nn.Tanh(),
        torch.nn.Dropout(dropout),
        torch.nn.Linear(10, 5),
        torch.nn.ReLU(),
        torch.nn.Linear(5, 2),
    )


@pytest.fixture(scope="module")
def task():
    x, y, h = twelve_bit()
    return torch.tensor(x), torch.tensor(y), h


def _train(task, monitor_factory, epochs=3, seed=0):
    x, y, _ = task
    torch.manual_seed(seed)
    net = _net(seed)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[:1024], y[:1024]), batch_size=128, shuffle=True)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    monitor = monitor_factory(net) if monitor_factory else None
    log = fit(net, loader, optimizer=opt, loss_fn=torch.nn.functional.cross_entropy, epochs=epochs, monitor=monitor)
    return net, monitor, log


@pytest.mark.parametrize("estimator", ["binning", "noise"])
def test_training_is_bit_identical_with_and_without_the_monitor(task, estimator):
    """Dropout (RNG), batch norm (buffers), shuffling (RNG) and momentum all see the same numbers."""
    x, y, _ = task
    plain, _, _ = _train(task, None)

    def factory(net):
        plane = InformationPlane(net, layers=["2", "5"], x=x[:512], y=y[:512], estimator=estimator)
        return Monitor(plane=plane, metrics=MutualInformationMetric(2))

    watched, monitor, log = _train(task, factory)
    assert len(monitor.plane.history) == 2 * 4  # epochs 0..3, two layers
    assert [row["epoch"] for row in log] == [0, 1, 2, 3]
    assert all(math.isfinite(row["train/mi"]) for row in log[1:])
    for (name, a), (_, b) in zip(plain.state_dict().items(), watched.state_dict().items()):
        assert torch.equal(a, b), name
    # The RNG stream after training is the same too.
    torch.manual_seed(0)
    _train(task, None)
    after_plain = torch.rand(3)
    torch.manual_seed(0)
    _train(task, factory)
    assert torch.equal(after_plain, torch.rand(3))


def test_hooks_are_inert_outside_records_and_removable(task):
    x, y, _ = task
    net = _net()
    plane = InformationPlane(net, layers=["2"], x=x[:64], y=y[:64])
    net(x[:8])
    assert plane._buffers["2"] == [] and plane.history == []
    assert len(net[2]._forward_hooks) == 1
    with plane:
        pass
    assert len(net[2]._forward_hooks) == 0


def test_record_restores_each_module_mode_and_needs_no_grad(task):
    x, y, _ = task
    net = _net()
    net.train()
    net[3].eval()  # a mixed state must come back as it was
    plane = InformationPlane(net, layers=["2"], x=x[:64], y=y[:64])
    plane.record(epoch=0)
    assert [m.training for m in net.modules()] == [True, True, True, True, False, True, True, True]
    acts = plane.activations()
    assert not acts["2"].requires_grad and acts["2"].shape == (64, 10)


def test_identity_layer_on_the_12_bit_task_gives_known_values(task):
    """T = X: all 4096 inputs are distinct cells, so I(X;T) = 12 bits and I(T;Y) = H(Y)."""
    x, y, h = task
    net = torch.nn.Sequential(torch.nn.Identity(), torch.nn.Linear(12, 2))
    plane = InformationPlane(net, layers={"input": "0"}, x=x, y=y, estimator=BinningEstimator(2, value_range=(0, 1)), base=2, batch_size=1000)
    (rec,) = plane.record(epoch=5, step=50)
    assert rec["i_xt"] == pytest.approx(12.0, abs=1e-12)
    assert rec["i_ty"] == pytest.approx(h / math.log(2), abs=1e-12)
    assert rec["unit"] == "bits" and rec["bin_size"] == 0.5 and rec["n_probe"] == 4096 and rec["width"] == 12
    assert (rec["epoch"], rec["step"], rec["layer"], rec["estimator"]) == (5, 50, "input", "binning")


def test_records_match_the_estimator_on_the_layer_output(task):
    x, y, _ = task
    net = _net()
    plane = InformationPlane(net, layers=["2"], x=x, y=y, estimator="kde")
    (rec,) = plane.record()
    net.eval()
    with torch.no_grad():
        t = net[2](net[1](net[0](x)))
    i_xt, i_ty = mi.monitor.kde_information(t, y.numpy())
    assert rec["i_xt"] == pytest.approx(i_xt, abs=1e-9) and rec["i_ty"] == pytest.approx(i_ty, abs=1e-9)


def test_default_layers_are_the_activations_and_every_controls_step(task):
    x, y, _ = task
    net = _net()
    plane = InformationPlane(net, x=x[:200], y=y[:200], every=2)
    assert list(plane.modules) == ["2", "5"]
    for epoch in range(5):
        plane.step(epoch)
    assert sorted({r["epoch"] for r in plane.history}) == [0, 2, 4]
    frame = plane.to_dataframe()
    assert frame.shape[0] == 6 and {"epoch", "layer", "i_xt", "i_ty", "bin_size"} <= set(frame.columns)
    assert plane.layers() == ["2", "5"]


def test_plot_writes_a_figure(task, tmp_path):
    pytest.importorskip("matplotlib")
    x, y, _ = task
    net = _net()
    plane = InformationPlane(net, x=x[:200], y=y[:200], base=2)
    with pytest.raises(mi.DataError, match="no records yet"):
        plane.plot()
    for epoch in range(3):
        plane.step(epoch)
    fig = plane.plot(tmp_path / "plane.png", title="test")
    assert (tmp_path / "plane.png").stat().st_size > 1000
    ax = fig.axes[0]
    assert ax.get_xlabel() == "I(X;T) [bits]" and len(ax.collections) == 2  # one scatter per layer


def test_errors(task):
    x, y, _ = task
    net = _net()
    with pytest.raises(mi.ParameterError, match=r"The `layers` parameter of InformationPlane must be names of modules of the model \(one of '0', '1'"):
        InformationPlane(net, layers=["fc9"], x=x, y=y)
    with pytest.raises(mi.ParameterError, match="The `layers` parameter of InformationPlane must be modules that belong to the model"):
        InformationPlane(net, layers=[torch.nn.Tanh()], x=x, y=y)
    with pytest.raises(mi.ParameterError, match="found no activation modules"):
        InformationPlane(torch.nn.Linear(12, 2), x=x, y=y)
    with pytest.raises(mi.ParameterError, match="The `model` parameter of InformationPlane must be a torch.nn.Module. Got 'str'."):
        InformationPlane("net", x=x, y=y)
    with pytest.raises(mi.ParameterError, match=r"The `every` parameter of InformationPlane must be an int in \[1, inf\]. Got 0."):
        InformationPlane(net, x=x, y=y, every=0)
    with pytest.raises(mi.ParameterError, match="The `estimator` parameter of InformationPlane must be one of 'binning'"):
        InformationPlane(net, x=x, y=y, estimator="histogram")
    with pytest.raises(mi.DataError, match="x and y must have the same number of samples"):
        InformationPlane(net, x=x, y=y[:10])
    with pytest.raises(mi.DataError, match="y must hold class labels"):
        InformationPlane(net, x=x, y=np.linspace(0, 1, len(x)))
    with pytest.raises(mi.DataError, match="x is None"):
        InformationPlane(net, x=None, y=y)
    with pytest.raises(mi.ParameterError, match="The `base` parameter of InformationPlane"):
        InformationPlane(net, x=x, y=y, base=1)


from conftest import requires_cuda  # noqa: E402


@requires_cuda
def test_plane_and_metric_on_a_cuda_model(task):
    x, y, _ = task
    net = _net().cuda()
    plane = InformationPlane(net, layers=["2"], x=x, y=y, estimator="kde")
    (rec,) = plane.record()
    net_cpu = _net()
    ref = InformationPlane(net_cpu, layers=["2"], x=x, y=y, estimator="kde").record()[0]
    assert rec["i_xt"] == pytest.approx(ref["i_xt"], abs=1e-4)
    metric = MutualInformationMetric(2)
    metric.update(net(x.cuda()), y.cuda())
    assert metric.table.device.type == "cuda"
