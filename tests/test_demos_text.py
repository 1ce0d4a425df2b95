"""The text demos, shortened (`--quick`), on the fortunes corpus; they skip when it is not installed."""

from __future__ import annotations

import json
import math

import pytest

from mutinfo._threads import torch_threads
from mutinfo.datasets import fortunes_available
from mutinfo.datasets.text import FORTUNES_PATH

torch = pytest.importorskip("torch")
pytest.importorskip("torchmetrics")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not fortunes_available(), reason=f"fortunes corpus not installed in {FORTUNES_PATH} (apt-get install fortunes)"),
]


@pytest.fixture(autouse=True)
def _one_thread():
    with torch_threads(1):
        yield


def test_text_mi_decay_quick(tmp_path):
    from mutinfo.demos import text_mi_decay

    m = text_mi_decay.run(tmp_path, quick=True, progress=False)
    assert m["alphabet_size"] >= 40 and 0.9 * text_mi_decay.QUICK_CHARACTERS < m["n_characters"] <= text_mi_decay.QUICK_CHARACTERS
    lags = m["lags"]
    assert lags[0] == 1 and lags[-1] == 1000 and len(lags) >= 20
    corpus, markov, gru = m["corpus"]["mi_nats"], m["markov"]["mi_nats"], m["gru"]["mi_nats"]
    # neighbouring characters of English share ~0.6 nats; independent text would give ~0
    assert corpus[0] > 0.4 and gru[0] > 0.3
    # the 4-gram model reproduces the one-step statistics of its corpus
    assert markov[0] == pytest.approx(corpus[0], abs=0.05)
    for curve in (corpus, markov, gru):
        assert curve[0] > 10 * curve[lags.index(100)]
        assert curve[-1] < curve[0] / 20
    for name in ("corpus", "markov", "gru"):
        m_name = m[name]
        assert all(lo <= v <= hi for lo, v, hi in zip(m_name["ci_low"], m_name["mi_nats"], m_name["ci_high"]))
    fit = m["corpus"]["fit"]
    assert fit["n_points"] >= 3 and 0.2 < fit["alpha"] < 3 and fit["better"] in ("power", "exponential")
    assert (tmp_path / "text_mi_decay.png").exists()
    assert json.loads((tmp_path / "metrics.json").read_text())["estimator"] == "miller_madow"


def test_text_classify_quick(tmp_path):
    from mutinfo.demos import text_classify

    m = text_classify.run(tmp_path, quick=True, progress=False)
    assert len(m["categories"]) >= 8 and m["imbalance_ratio"] > 5
    majority = max(m["train_class_counts"]) / sum(m["train_class_counts"])  # 0.21: always predicting "people"
    sel = m["selection"]
    assert sel["all"]["accuracy"] > majority + 0.25
    for name in ("mi@100", "mrmr@100", "jmi@100", "chi2@100"):
        assert sel[name]["k"] == 100 and sel[name]["accuracy"] > majority + 0.15
    for name in ("ce", "ce+mi"):
        r = m["neural"][name]
        assert r["balanced_accuracy_mean"] > 3 * m["chance_balanced_accuracy"]
        # I(Y; Y_hat) of a useful classifier: far above 0, below H(Y)
        assert 0.3 < r["mi_nats_mean"] < r["h_target_nats"]
        assert len(r["per_class_mi_nats_mean"]) == len(m["categories"]) and min(r["per_class_mi_nats_mean"]) > 0
    assert (tmp_path / "text_classify.png").exists()
    assert math.isfinite(json.loads((tmp_path / "metrics.json").read_text())["seconds"])
