"""Keras 3 on two backends (torch, JAX): mutinfo.keras losses equal the PyTorch losses on the same numbers,
train a model through ``model.fit``, and the information-plane callback records and logs.

Each backend runs in its own subprocess (KERAS_BACKEND is fixed when Keras is first imported).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mutinfo.losses as L  # noqa: E402

pytestmark = pytest.mark.skipif(importlib.util.find_spec("keras") is None, reason="keras is not installed")
SRC = str(Path(__file__).parents[1] / "src")

_SCRIPT = r"""
import json, sys, warnings
import numpy as np
import keras
from mutinfo.keras import DiscreteMILoss, IICLoss, InfoNCELoss
from mutinfo import MutualInfoWarning

data = {k: np.asarray(v, dtype=np.float32) for k, v in json.loads(sys.stdin.read()).items()}
labels = data["labels"].astype("int64")
a, b, heads_a, heads_b = data["a"], data["b"], data["heads_a"], data["heads_b"]
p, p2 = keras.ops.convert_to_numpy(keras.ops.softmax(a)), keras.ops.convert_to_numpy(keras.ops.softmax(b))
out = {
    "backend": keras.backend.backend(),
    "dmi_labels": float(DiscreteMILoss(num_classes=5)(labels, a)),
    "dmi_two": float(DiscreteMILoss()(b, a)),
    "dmi_probs": float(DiscreteMILoss(from_logits=False)(labels, p)),
    "iic": float(IICLoss(lamb=1.3)(b, a)),
    "iic_heads": float(IICLoss()(heads_b, heads_a)),
    "iic_probs": float(IICLoss(from_logits=False)(p2, p)),
    "infonce": float(InfoNCELoss(temperature=0.2)(b, a)),
    "dmi_fp16": float(DiscreteMILoss()(labels, (20 * a).astype("float16"))),
}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    IICLoss()(p2, p)
out["warned"] = any(issubclass(w.category, MutualInfoWarning) and "look like probabilities" in str(w.message) for w in caught)
# Training through model.fit on this backend: I(Y; Y_hat) on the training batch goes up.
keras.utils.set_random_seed(0)
x = data["x"]
model = keras.Sequential([keras.Input((x.shape[1],)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(5)])
model.compile(optimizer=keras.optimizers.Adam(0.05), loss=DiscreteMILoss())
hist = model.fit(x, labels, batch_size=len(x), epochs=10, verbose=0)
out["fit_first"], out["fit_last"] = hist.history["loss"][0], hist.history["loss"][-1]

# The information-plane callback on this backend.
from mutinfo.datasets import twelve_bit
from mutinfo.monitor import kde_information
from mutinfo.monitor.keras import InformationPlaneCallback

keras.utils.set_random_seed(0)
x, y, _ = twelve_bit()
inputs = keras.Input(shape=(12,))
h1 = keras.layers.Dense(8, activation="tanh", name="h1")(inputs)
h2 = keras.layers.Dense(4, activation="tanh", name="h2")(h1)
logits = keras.layers.Dense(2, name="logits")(h2)
model = keras.Model(inputs, logits)
model.compile(optimizer=keras.optimizers.Adam(0.01), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
x, y = x[:1024], y[:1024]
cb = InformationPlaneCallback(["h1", "h2"], x=x, y=y, estimator="kde", every=1)
hist = model.fit(x, y, epochs=2, batch_size=512, verbose=0, callbacks=[cb])
t = keras.ops.convert_to_numpy(keras.Model(inputs, h2).predict(x, verbose=0))
last = [r for r in cb.history if r["epoch"] == 2 and r["layer"] == "h2"][0]
try:
    bad = InformationPlaneCallback(["nope"], x=x, y=y)
    bad.set_model(model)
    bad.record(0)
    error = None
except Exception as exc:
    error = str(exc)
out["callback"] = {
    "epochs": sorted({r["epoch"] for r in cb.history}),
    "layers": sorted({r["layer"] for r in cb.history}),
    "logged": sorted(k for k in hist.history if "/" in k),
    "logged_last": hist.history["h2/I_XT"][-1],
    "record": [last["i_xt"], last["i_ty"]],
    "direct": list(kde_information(t, y)),
    "error": error,
}
print(json.dumps(out))
"""


def _data():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 96)
    x = rng.normal(size=(96, 6)) + np.eye(5, 6)[labels] * 3
    return {
        "labels": labels, "x": x,
        "a": 3 * rng.normal(size=(96, 5)), "b": 3 * rng.normal(size=(96, 5)),
        "heads_a": rng.normal(size=(2, 96, 4)), "heads_b": rng.normal(size=(2, 96, 4)),
    }


def _torch_reference(d):
    t = {k: torch.tensor(np.asarray(v, dtype=np.float32)) for k, v in d.items()}
    labels = torch.tensor(d["labels"])
    a, b = t["a"], t["b"]
    return {
        "dmi_labels": float(L.DiscreteMILoss(num_classes=5)(a, labels)),
        "dmi_two": float(L.DiscreteMILoss()(a, b)),
        "dmi_probs": float(L.DiscreteMILoss()(a, labels)),
        "iic": float(L.IICLoss(lamb=1.3)(a, b)),
        "iic_heads": float(L.IICLoss()(t["heads_a"], t["heads_b"])),
        "iic_probs": float(L.IICLoss()(a, b)),
        "infonce": float(L.InfoNCELoss(temperature=0.2)(a, b)),
        "dmi_fp16": float(L.DiscreteMILoss()((20 * a).half(), labels)),
    }


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_keras_losses_equal_the_torch_losses(backend):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"the {backend} backend is not installed")
    d = _data()
    env = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]), OMP_NUM_THREADS="1",
               JAX_PLATFORMS="cpu")
    payload = json.dumps({k: np.asarray(v).tolist() for k, v in d.items()})
    proc = subprocess.run([sys.executable, "-c", _SCRIPT], input=payload, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["backend"] == backend
    ref = _torch_reference(d)
    for key, value in ref.items():
        assert got[key] == pytest.approx(value, abs=2e-6), key  # float32 on both sides
    assert got["warned"]
    assert got["fit_last"] < got["fit_first"] - 0.3 and got["fit_last"] >= -np.log(5) - 1e-6
    cb = got["callback"]
    assert cb["epochs"] == [0, 1, 2]
    assert cb["layers"] == ["h1", "h2"]
    assert cb["logged"] == ["h1/I_TY", "h1/I_XT", "h2/I_TY", "h2/I_XT"]
    assert cb["logged_last"] == pytest.approx(cb["record"][0], rel=1e-12)
    # The record equals the estimator applied to the layer output of the trained model (float32 activations).
    assert cb["record"] == pytest.approx(cb["direct"], abs=1e-6)
    assert 0 < cb["record"][0] <= math.log(1024) + 1e-9
    assert cb["error"] is not None and "The `layers` parameter of InformationPlaneCallback must be names of layers of the model" in cb["error"]


@pytest.mark.slow
def test_keras_seed_mlp_example(tmp_path):
    """examples/keras_seed_mlp.py, shortened to 3 epochs: both networks carry information about the digit."""
    script = Path(__file__).parents[1] / "examples" / "keras_seed_mlp.py"
    epochs = 60 if os.environ.get("MUTINFO_FULL") == "1" else 3
    env = dict(os.environ, KERAS_BACKEND="torch", PYTHONPATH=os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(script), "--epochs", str(epochs), "--out", str(tmp_path)], capture_output=True, text=True,
                          env=env, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads((tmp_path / "metrics.json").read_text())
    assert got["backend"] == "torch" and (tmp_path / "keras_seed_mlp.png").stat().st_size > 0
    cap = math.log2(10)
    for name in ("mi", "ce"):
        # Independent predictions on 597 digits give a plug-in bias of about 81 / (2 * 597 ln 2) = 0.1 bit.
        assert 0.5 < got[name]["held_out_mi_bits"] <= cap + 1e-9, got[name]
        assert len(got["curves"][name]) == epochs
        assert sum(got[name]["per_class_bits"]) > 0.5
    if epochs == 60:  # the README's figures
        assert got["mi"]["held_out_mi_bits"] > 1.8 and got["ce"]["held_out_mi_bits"] > 2.9
