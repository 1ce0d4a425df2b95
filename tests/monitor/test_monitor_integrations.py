"""Integrations: plain loop + TensorBoard (event file read back), Lightning callback, Keras 3 callback."""

from __future__ import annotations


import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mutinfo as mi  # noqa: E402
from mutinfo.datasets import twelve_bit  # noqa: E402
from mutinfo.monitor import InformationPlane, Monitor, MutualInformationMetric, TensorBoardLogger, fit  # noqa: E402


@pytest.fixture(scope="module")
def task():
    x, y, _ = twelve_bit()
    return torch.tensor(x), torch.tensor(y)


def _mlp(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(12, 8), torch.nn.Tanh(), torch.nn.Linear(8, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))


def _read_scalars(log_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "images": 0})
    acc.Reload()
    return acc


def test_plain_loop_with_tensorboard_event_file(task, tmp_path):
    pytest.importorskip("tensorboard")
    pytest.importorskip("matplotlib")
    x, y = task
    net = _mlp()
    train = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[:2048], y[:2048]), batch_size=256, shuffle=True)
    val = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[2048:], y[2048:]), batch_size=512)
    plane = InformationPlane(net, layers={"h1": "1", "h2": "3"}, x=x, y=y, base=2)
    monitor = Monitor(
        plane=plane,
        metrics={"train": MutualInformationMetric(2, base=2), "val": MutualInformationMetric(2, base=2)},
        tensorboard=tmp_path / "tb",
        figure_every=2,
    )
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    log = fit(net, train, optimizer=opt, loss_fn=torch.nn.functional.cross_entropy, epochs=2, monitor=monitor, val_loader=val)
    monitor.tensorboard.close()
    assert [r["epoch"] for r in log] == [0, 1, 2]
    assert {"h1/I_XT", "h2/I_TY", "train/mi", "val/nmi", "loss"} <= set(log[2])

    # The validation metric of the last epoch is I(Y;Yhat) of the trained net on the validation split.
    with torch.no_grad():
        pred = net(x[2048:]).argmax(1).numpy()
    assert log[2]["val/mi"] == pytest.approx(mi.mutual_information(y[2048:].numpy(), pred, method="plugin", base=2), abs=1e-12)

    acc = _read_scalars(tmp_path / "tb")
    tags = set(acc.Tags()["scalars"])
    assert {"information_plane/h1/I_XT", "information_plane/h2/I_TY", "mi/train/mi", "mi/val/nmi", "mi/val/per_class/1"} <= tags
    events = acc.Scalars("information_plane/h2/I_XT")
    assert [e.step for e in events] == [0, 1, 2]
    expected = [r["i_xt"] for r in plane.history if r["layer"] == "h2"]
    np.testing.assert_allclose([e.value for e in events], expected, rtol=1e-6)  # float32 in the event file
    assert [e.step for e in acc.Scalars("mi/val/mi")] == [1, 2]
    assert acc.Scalars("mi/val/mi")[-1].value == pytest.approx(log[2]["val/mi"], rel=1e-6)
    assert "information_plane/figure" in acc.Tags()["images"]


def test_tensorboard_missing_gives_install_hint(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("torch.utils.tensorboard"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(mi.MissingDependencyError, match=r"Logging to TensorBoard needs the optional package `tensorboard`.*pip install -e \"\.\[monitor\]\""):
        TensorBoardLogger("/tmp/never-created")


def test_monitor_errors(task):
    with pytest.raises(mi.ParameterError, match="The `metrics` parameter of Monitor must be None, a MutualInformationMetric or a dict of them"):
        Monitor(metrics=[1])
    monitor = Monitor(metrics={"train": MutualInformationMetric(2), "val": MutualInformationMetric(2)})
    with pytest.raises(mi.ParameterError, match=r"The `split` parameter of Monitor.update must be one of \['train', 'val'\] when several"):
        monitor.update([0], [0])
    with pytest.raises(mi.ParameterError, match=r"The `epochs` parameter of fit must be an int in \[1, inf\]. Got 0."):
        fit(_mlp(), [], optimizer=None, loss_fn=None, epochs=0)


# ---------------------------------------------------------------------------
# Lightning.


# Lightning 2.6 with torch 2.13 trips a deprecation inside torch's pytree (not in mutinfo).
@pytest.mark.filterwarnings("ignore:.*LeafSpec.*:FutureWarning")
def test_lightning_callback_records_and_logs(task, tmp_path):
    pl = pytest.importorskip("lightning.pytorch")
    from mutinfo.monitor.lightning import MutualInformationCallback

    x, y = task

    class Module(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = _mlp()

        def forward(self, xb):
            return self.net(xb)

        def training_step(self, batch, batch_idx):
            xb, yb = batch
            out = self(xb)
            return {"loss": torch.nn.functional.cross_entropy(out, yb), "preds": out.detach()}

        def validation_step(self, batch, batch_idx):
            xb, yb = batch
            self.log("val_loss", torch.nn.functional.cross_entropy(self(xb), yb))

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=0.01)

    train = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[:2048], y[:2048]), batch_size=256, shuffle=True)
    val = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[2048:], y[2048:]), batch_size=512)
    callback = MutualInformationCallback(layers=["net.1", "net.3"], x=x, y=y, base=2, num_classes=2)
    trainer = pl.Trainer(
        max_epochs=2, callbacks=[callback], logger=False, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False, accelerator="cpu", devices=1, default_root_dir=str(tmp_path),
    )
    module = Module()
    trainer.fit(module, train, val)
    assert sorted({r["epoch"] for r in callback.history}) == [0, 1, 2]
    assert {r["layer"] for r in callback.history} == {"net.1", "net.3"}
    metrics = trainer.callback_metrics
    assert {"information_plane/net.3/I_XT", "mi/val/mi", "mi/train/nmi"} <= set(metrics)
    with torch.no_grad():
        pred = module(x[2048:]).argmax(1).numpy()
    val_rows = [r for r in callback.log_rows if r["split"] == "val"]
    assert [r["epoch"] for r in val_rows] == [1, 2]  # one convention: epoch e = after e training epochs, as the plane
    assert val_rows[-1]["mi"] == pytest.approx(mi.mutual_information(y[2048:].numpy(), pred, method="plugin", base=2), abs=1e-12)
    last = [r for r in callback.history if r["epoch"] == 2 and r["layer"] == "net.3"][0]
    assert float(metrics["information_plane/net.3/I_XT"]) == pytest.approx(last["i_xt"], rel=1e-6)
    assert len(module.net[1]._forward_hooks) == 0  # hooks removed at teardown


@pytest.mark.filterwarnings("ignore:.*LeafSpec.*:FutureWarning")
def test_lightning_training_step_returning_a_loss_tensor(task, tmp_path):
    """The usual training_step (returns the loss tensor): training MI is logged; the metric works with self.log."""
    pl = pytest.importorskip("lightning.pytorch")
    from sklearn.metrics import mutual_info_score

    from mutinfo.monitor.lightning import MutualInformationCallback

    x, y = task

    class Module(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Sequential(_mlp(), torch.nn.Dropout(0.5))
            self.val_mi = MutualInformationMetric(2)

        def forward(self, xb):
            return self.net(xb)

        def training_step(self, batch, batch_idx):
            xb, yb = batch
            return torch.nn.functional.cross_entropy(self(xb), yb)

        def validation_step(self, batch, batch_idx):
            xb, yb = batch
            self.val_mi(self(xb), yb)
            self.log("val_mi", self.val_mi, on_epoch=True, on_step=False)  # a torchmetrics.Metric in self.log

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.0)  # weights fixed: the MI has one exact value

    train = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[:1024], y[:1024]), batch_size=256)
    val = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[2048:], y[2048:]), batch_size=512)
    callback = MutualInformationCallback(num_classes=2)
    trainer = pl.Trainer(max_epochs=2, callbacks=[callback], logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, accelerator="cpu", devices=1, default_root_dir=str(tmp_path), num_sanity_val_steps=0)
    module = Module()
    with __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("error", mi.MutualInfoWarning)
        trainer.fit(module, train, val)
    module.eval()
    with torch.no_grad():
        train_pred = module(x[:1024]).argmax(1).numpy()
        val_pred = module(x[2048:]).argmax(1).numpy()
    train_rows = [r for r in callback.log_rows if r["split"] == "train"]
    assert [r["epoch"] for r in train_rows] == [1, 2]
    assert [r["epoch"] for r in callback.log_rows if r["split"] == "val"] == [1, 2]
    # eval-mode predictions (dropout off): exactly the MI of the fixed model on the training rows
    assert train_rows[-1]["mi"] == pytest.approx(mutual_info_score(y[:1024].numpy(), train_pred), abs=1e-12)
    assert float(trainer.callback_metrics["mi/train/mi"]) == pytest.approx(train_rows[-1]["mi"], rel=1e-6)
    assert float(trainer.callback_metrics["val_mi"]) == pytest.approx(mutual_info_score(y[2048:].numpy(), val_pred), rel=1e-6)


@pytest.mark.filterwarnings("ignore:.*LeafSpec.*:FutureWarning")
def test_lightning_callback_warns_when_nothing_to_log(task, tmp_path):
    pl = pytest.importorskip("lightning.pytorch")
    from mutinfo.monitor.lightning import MutualInformationCallback

    x, y = task

    class Unlabelled(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = _mlp()

        def training_step(self, batch, batch_idx):
            return self.net(batch).square().mean()  # batches are x only: no labels to compare with

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.0)

    loader = torch.utils.data.DataLoader(x[:256], batch_size=128)
    trainer = pl.Trainer(max_epochs=1, callbacks=[MutualInformationCallback(num_classes=2)], logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, accelerator="cpu", devices=1, default_root_dir=str(tmp_path))
    with pytest.warns(mi.MutualInfoWarning, match="found no predictions to log for the train split"):
        trainer.fit(Unlabelled(), loader)
    with pytest.warns(mi.MutualInfoWarning, match="MutualInformationCallback has nothing to log"):
        MutualInformationCallback().setup(None, Unlabelled())


def test_lightning_callback_errors():
    pytest.importorskip("lightning.pytorch")
    from mutinfo.monitor.lightning import MutualInformationCallback

    with pytest.raises(mi.ParameterError, match="The `x` parameter of MutualInformationCallback must be given together with y"):
        MutualInformationCallback(x=np.zeros((4, 2)))
    with pytest.raises(mi.ParameterError, match="The `splits` parameter of MutualInformationCallback must be a tuple of 'train' and/or 'val'"):
        MutualInformationCallback(num_classes=2, splits=("test",))


# Keras 3: the callback runs on the torch and JAX backends in tests/test_keras.py (one subprocess per backend).
