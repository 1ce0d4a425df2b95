"""MutualInformationMetric: equals the offline plug-in estimate, NMI as scikit-learn, per-class values, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mutinfo as mi  # noqa: E402
from mutinfo.discrete import mutual_information_from_joint  # noqa: E402
from mutinfo.monitor import MutualInformationMetric, information_from_table  # noqa: E402


def _noisy_classifier(rng, n, c, accuracy):
    y = rng.integers(0, c, n)
    wrong = rng.random(n) > accuracy
    yhat = np.where(wrong, rng.integers(0, c, n), y)
    return y, yhat


@pytest.mark.parametrize("base", [None, 2])
def test_metric_equals_offline_plugin_estimate_over_batches(rng, base):
    y, yhat = _noisy_classifier(rng, 3000, 5, 0.7)
    metric = MutualInformationMetric(5, base=base)
    for start in range(0, 3000, 256):
        metric.update(torch.tensor(yhat[start : start + 256]), torch.tensor(y[start : start + 256]))
    out = metric.compute_all()
    assert float(out["mi"]) == pytest.approx(mi.mutual_information(y, yhat, method="plugin", base=base), abs=1e-12)
    assert float(out["h_target"]) == pytest.approx(mi.entropy(y, method="plugin", base=base), abs=1e-12)
    assert float(out["h_pred"]) == pytest.approx(mi.entropy(yhat, method="plugin", base=base), abs=1e-12)
    assert float(out["contribution"].sum()) == pytest.approx(float(out["mi"]), abs=1e-12)


def test_scores_are_turned_into_predictions_by_argmax(rng):
    y, yhat = _noisy_classifier(rng, 500, 3, 0.8)
    logits = torch.tensor(rng.normal(size=(500, 3)))
    logits[torch.arange(500), torch.tensor(yhat)] += 10.0
    a, b = MutualInformationMetric(3), MutualInformationMetric(3)
    a.update(logits, torch.tensor(y))
    b.update(yhat, y)  # NumPy input works too
    assert float(a.compute_all()["mi"]) == float(b.compute_all()["mi"])


@pytest.mark.parametrize("normalization", ["arithmetic", "geometric", "min", "max"])
def test_nmi_matches_scikit_learn(rng, normalization):
    from sklearn.metrics import normalized_mutual_info_score

    y, yhat = _noisy_classifier(rng, 2000, 4, 0.6)
    metric = MutualInformationMetric(4, normalization=normalization)
    metric.update(yhat, y)
    expected = normalized_mutual_info_score(y, yhat, average_method=normalization)
    assert float(metric.compute_all()["nmi"]) == pytest.approx(expected, abs=1e-12)


def test_hand_tables():
    # Perfect predictions over 4 equally likely classes: 2 bits, NMI 1.
    metric = MutualInformationMetric(4, base=2)
    metric.update(torch.arange(4).repeat(25), torch.arange(4).repeat(25))
    out = metric.compute_all()
    assert float(out["mi"]) == pytest.approx(2.0, abs=1e-12) and float(out["nmi"]) == pytest.approx(1.0, abs=1e-12)
    # One-vs-rest table of class 0: [[25, 0], [0, 75]] -> H(0.25) bits.
    h025 = -(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75))
    np.testing.assert_allclose(out["per_class"].numpy(), [h025] * 4, atol=1e-12)
    np.testing.assert_allclose(out["contribution"].numpy(), [0.5] * 4, atol=1e-12)
    # A constant classifier tells nothing: MI 0, NMI 0.
    metric = MutualInformationMetric(3)
    metric.update(torch.zeros(9, dtype=torch.long), torch.arange(9) % 3)
    out = metric.compute_all()
    assert float(out["mi"]) == 0.0 and float(out["nmi"]) == 0.0
    # Both constant: NMI 1 by convention (scikit-learn's).
    metric = MutualInformationMetric(3)
    metric.update(torch.ones(5, dtype=torch.long), torch.ones(5, dtype=torch.long))
    assert float(metric.compute_all()["nmi"]) == 1.0


def test_per_class_is_the_one_vs_rest_information(rng):
    y, yhat = _noisy_classifier(rng, 1000, 3, 0.75)
    metric = MutualInformationMetric(3)
    metric.update(yhat, y)
    out = metric.compute_all()
    for c in range(3):
        table = np.histogram2d(y == c, yhat == c, bins=2)[0]
        assert float(out["per_class"][c]) == pytest.approx(mutual_information_from_joint(table, normalize=True), abs=1e-12)
        joint = np.zeros((3, 3))
        np.add.at(joint, (y, yhat), 1)
        p = joint / joint.sum()
        row = p[c]
        contribution = np.sum(row[row > 0] * np.log(row[row > 0] / (p[c].sum() * p.sum(0)[row > 0])))
        assert float(out["contribution"][c]) == pytest.approx(contribution, abs=1e-12)


@pytest.mark.filterwarnings("ignore:The ``compute`` method of metric MutualInformationMetric was called before:UserWarning")
def test_reset_and_table():
    metric = MutualInformationMetric(2)
    metric.update([0, 1, 1], [0, 1, 0])
    np.testing.assert_array_equal(metric.table.numpy(), [[1, 1], [0, 1]])
    metric.reset()
    np.testing.assert_array_equal(metric.table.numpy(), [[0, 0], [0, 0]])
    with pytest.raises(mi.DataError, match=r"compute\(\) was called before any update\(\)"):
        metric.compute()


def test_information_from_table_is_differentiable_free_and_float64():
    out = information_from_table(torch.tensor([[3, 1], [1, 3]]))
    expected = mutual_information_from_joint([[3, 1], [1, 3]], normalize=True)
    assert out["mi"].dtype == torch.float64 and float(out["mi"]) == pytest.approx(expected, abs=1e-14)


def test_errors():
    with pytest.raises(mi.ParameterError, match=r"The `num_classes` parameter of MutualInformationMetric must be an int in \[1, inf\]. Got 0."):
        MutualInformationMetric(0)
    with pytest.raises(mi.ParameterError, match="The `normalization` parameter of MutualInformationMetric must be one of 'arithmetic'"):
        MutualInformationMetric(2, normalization="mean")
    metric = MutualInformationMetric(3)
    with pytest.raises(mi.DataError, match=r"target must hold class labels in \[0, 3\). Got 5 at rows \[2\]."):
        metric.update([0, 1, 2], [0, 1, 5])
    with pytest.raises(mi.DataError, match=r"preds scores must have shape \(n, num_classes\) = \(n, 3\). Got shape \(2, 4\)."):
        metric.update(torch.zeros(2, 4), [0, 1])
    with pytest.raises(mi.DataError, match="preds and target must have the same number of samples"):
        metric.update([0, 1], [0, 1, 2])
    with pytest.raises(mi.DataError, match="must hold integer class labels"):
        metric.update(torch.tensor([0.5, 1.0]), [0, 1])
    with pytest.raises(mi.DataError, match=r"target must have shape \(n,\) labels. Got shape \(2, 2\)."):
        metric.update([0, 1], torch.zeros(2, 2, dtype=torch.long))


# --- a torchmetrics.Metric ---------------------------------------------------------


def test_is_a_torchmetrics_metric_with_the_same_values_as_scikit_learn(rng):
    torchmetrics = pytest.importorskip("torchmetrics")
    from sklearn.metrics import mutual_info_score

    y, yhat = _noisy_classifier(rng, 2000, 4, 0.6)
    metric = MutualInformationMetric(4)
    assert isinstance(metric, torchmetrics.Metric)
    batch_values = [metric(torch.tensor(yhat[s : s + 500]), torch.tensor(y[s : s + 500])) for s in range(0, 2000, 500)]  # forward
    for s, value in zip(range(0, 2000, 500), batch_values):  # forward returns the batch's value ...
        assert float(value) == pytest.approx(mutual_info_score(y[s : s + 500], yhat[s : s + 500]), abs=1e-12)
    assert float(metric.compute()) == pytest.approx(mutual_info_score(y, yhat), abs=1e-12)  # ... and accumulates
    assert metric.compute().shape == () and metric.compute().dtype == torch.float64
    assert float(metric.compute_all()["mi"]) == float(metric.compute())
    bits = MutualInformationMetric(4, base=2)
    bits.update(yhat, y)
    assert float(bits.compute()) == pytest.approx(mutual_info_score(y, yhat) / math.log(2), abs=1e-12)


def test_metric_collection_to_and_state_dict(rng):
    torchmetrics = pytest.importorskip("torchmetrics")
    from sklearn.metrics import mutual_info_score

    y, yhat = _noisy_classifier(rng, 600, 3, 0.7)
    logits = torch.nn.functional.one_hot(torch.tensor(yhat), 3).double()
    collection = torchmetrics.MetricCollection({"mi": MutualInformationMetric(3), "acc": torchmetrics.Accuracy(task="multiclass", num_classes=3)})
    collection = collection.to(torch.device("cpu"), dtype=torch.float64)
    collection.update(logits, torch.tensor(y))
    out = collection.compute()
    assert float(out["mi"]) == pytest.approx(mutual_info_score(y, yhat), abs=1e-12)
    assert float(out["acc"]) == pytest.approx(float(np.mean(y == yhat)), abs=1e-6)
    metric = collection["mi"]
    assert metric.joint_counts.dtype == torch.int64 and metric.joint_counts.device.type == "cpu"  # .to() moves, keeps counts exact
    collection.reset()
    assert metric.n_samples == 0


def test_import_without_torchmetrics(tmp_path):
    """`import mutinfo` and `import mutinfo.monitor` need no torchmetrics; the metric says how to get it."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys; sys.modules['torchmetrics'] = None\n"
        "import mutinfo, mutinfo.monitor as m\n"
        "assert 'torchmetrics' not in sys.modules or sys.modules['torchmetrics'] is None\n"
        "try:\n    m.MutualInformationMetric(3)\nexcept ImportError as e:\n    print('ERR', e)\n"
    )
    src = str(Path(__file__).parents[2] / "src")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": src, "PATH": ""}, check=False)
    assert out.returncode == 0, out.stderr
    assert "needs the optional package `torchmetrics`" in out.stdout and '".[monitor]"' in out.stdout
    clean = subprocess.run([sys.executable, "-c", "import sys, mutinfo; print('torchmetrics' in sys.modules)"],
                           capture_output=True, text=True, env={"PYTHONPATH": src, "PATH": ""}, check=False)
    assert clean.stdout.strip() == "False"
