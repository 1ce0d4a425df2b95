"""Training demos: shortened real runs (full length with MUTINFO_FULL=1) and the `mutinfo train` command."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mutinfo._threads import torch_threads
from mutinfo.datasets import fashion_mnist_available
from mutinfo.datasets.real import FASHION_MNIST_PATH

torch = pytest.importorskip("torch")

FULL = os.environ.get("MUTINFO_FULL", "") == "1"
SRC = str(Path(__file__).parents[1] / "src")
needs_fashion = pytest.mark.skipif(
    not fashion_mnist_available(),
    reason=f"Fashion-MNIST is not installed in {FASHION_MNIST_PATH} (apt-get install dataset-fashion-mnist)",
)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Training runs use one intra-op thread: on a small shared CI machine, spinning
    OpenMP workers of several processes slow each other down by orders of magnitude."""
    with torch_threads(1):
        yield


def _cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, MUTINFO_PROGRESS="0", OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "mutinfo", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600, check=False)


@pytest.mark.slow
def test_iic_digits_beats_kmeans_at_the_demo_length():
    """`mutinfo demo`'s IIC run (300 steps, seed 0) beats k-means on pixels (0.792).

    Measured at 300 steps: 0.959 (seed 0), 0.809 (seed 1); k-means 0.792. The README's
    0.958 is seed 0; the goal >= 0.90 of the full demo is asserted with MUTINFO_FULL=1."""
    from mutinfo.cli._demo import DEMO_IIC_STEPS
    from mutinfo.datasets import load_digits
    from mutinfo.demos.iic_digits import kmeans_accuracy, train_iic_digits

    steps = 600 if FULL else DEMO_IIC_STEPS
    result = train_iic_digits(steps=steps, seed=0, eval_every=50)
    x, y = load_digits()
    km = kmeans_accuracy(x, y, 0)
    assert km == pytest.approx(0.79, abs=0.03)
    assert result["accuracy"] > km  # by 0.17 at seed 0 here; a run can also settle near 0.81 (seed 1)
    if FULL:
        assert result["accuracy"] >= 0.90
    assert result["nonfinite_steps"] == 0  # every loss and gradient of the run was finite
    assert 0 < result["mi_nats"] <= 2.303  # I(Z;Z') <= log 10
    assert 0 < result["nmi"] <= 1


@pytest.mark.slow
def test_seed_regression_mi_training_finds_scale_dependence(tmp_path):
    from mutinfo.demos import seed_regression

    m = seed_regression.run(tmp_path, quick=not FULL, progress=False)
    # y depends on x only through its spread: MSE learns nothing, maximising I(Y;Y_hat) does
    assert m["scale_mi_mi_y_yhat"] > m["scale_mse_mi_y_yhat"] + 0.1
    assert m["scale_mi_mi_y_yhat"] < m["scale_true_mi_y_x"] + 0.05  # no more than the data hold, up to estimation error
    assert m["scale_true_mi_method"] == "quadrature" and m["mi_method"] == "ksg"
    # y depends on x through its mean: both objectives carry similar information
    assert m["mean_mi_mi_y_yhat"] > 0.8 * m["mean_mse_mi_y_yhat"]
    assert all(m[f"{k}_{o}_nonfinite_steps"] == 0 for k in ("mean", "scale") for o in ("mse", "mi"))
    assert (tmp_path / "seed_regression.png").stat().st_size > 0


def test_cli_train_seed_mlp_writes_metrics_and_figure(tmp_path):
    out = tmp_path / "run"
    res = _cli("train", "seed-mlp", "--quick", "--out", str(out))
    assert res.returncode == 0, res.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert (out / "seed_mlp.png").stat().st_size > 0
    assert f"wrote {out / 'metrics.json'}" in res.stdout
    assert metrics["demo"] == "seed-mlp" and metrics["epochs"] == 30
    assert metrics["r2"] > 0.5
    assert metrics["mi_y_yhat"] > 0.5  # the prediction carries information about y ...
    assert abs(metrics["independent_y_mi_y_yhat"]) < 0.05  # ... and none when y is independent of x
    plane = metrics["information_plane"]
    assert all(p["I(Y;T1)"] <= p["I(X;T1)"] + 0.05 for p in plane)  # data processing: I(Y;T) <= H(T) = I(X;T)


def test_cli_train_errors_and_list():
    res = _cli("train", "no-such-demo")
    assert res.returncode == 2
    assert "unknown demo 'no-such-demo'; choose one of: iic-digits" in res.stderr
    res = _cli("train", "--list")
    assert res.returncode == 0
    for name in ("iic-digits", "iic-fashion", "vib-fashion", "imbalance-fashion", "mnist1d", "seed-regression", "seed-mlp", "text-mi-decay", "text-classify"):
        assert name in res.stdout
    res = _cli("train", "seed-mlp", "--epochs", "0")
    assert res.returncode == 2 and "--epochs must be >= 1" in res.stderr


@pytest.mark.slow
@needs_fashion
def test_vib_fashion_quick(tmp_path):
    from mutinfo.demos import vib_fashion

    m = vib_fashion.run(tmp_path, quick=True, progress=False)
    assert m["nonfinite_steps"] == 0
    rates = [v["rate_nats"] for v in m["vib"]]
    assert rates == sorted(rates, reverse=True)  # larger beta, less information about x in z
    assert m["deterministic_test_error"] < 0.3 and m["best_vib_test_error"] < 0.3
    assert (tmp_path / "vib_fashion.png").exists()


def _vib_toy_data(n: int, labels: torch.Tensor) -> torch.Tensor:
    """Images whose class c lights a block of 70 pixels, plus noise: a separable 10-class task."""
    gen = torch.Generator().manual_seed(1)
    x = 0.2 * torch.rand(n, 784, generator=gen)
    for c in range(10):
        x[labels == c, 70 * c : 70 * (c + 1)] += 1.0
    return x


def test_vib_fashion_bound_reads_the_stochastic_code(monkeypatch):
    """The reported I(Z;Y) >= H(Y) - CE uses sampled codes and the test labels' entropy.

    With a large posterior spread (std_shift = +6, so std ~ 6 at the start), the mean code
    classifies far better than a sampled one: the bound on the stochastic Z must be the
    lower figure, and H(Y) is the plug-in entropy of the (here imbalanced) test labels."""
    from mutinfo.demos import vib_fashion

    built = []
    make = vib_fashion._model

    def noisy_model(beta):
        net = make(beta)
        if beta is not None:
            net.code.std_shift = 6.0
        built.append(net)
        return net

    monkeypatch.setattr(vib_fashion, "_model", noisy_model)
    y = torch.arange(3000) % 10
    y_test = torch.cat([torch.arange(1000) % 10, torch.zeros(1000, dtype=torch.long)])  # class 0 is 55%
    data = {"x": _vib_toy_data(3000, y), "y": y, "x_test": _vib_toy_data(2000, y_test), "y_test": y_test}
    r = vib_fashion._fit(1e-3, data, 1, 0, "cpu", False)

    p = torch.bincount(y_test).double() / len(y_test)
    h_y = float(-(p * p.log()).sum())  # 1.6769 nats, not log 10 = 2.3026
    net = built[-1].eval()
    with torch.no_grad():
        h = net.trunk(data["x_test"])
        mu, std = net.code.encode(h)
        ce_mu = float(torch.nn.functional.cross_entropy(net.head(mu), y_test))
        torch.manual_seed(5)
        ce_z = sum(float(torch.nn.functional.cross_entropy(net.head(mu + std * torch.randn_like(std)), y_test)) for _ in range(64)) / 64
    assert ce_z > ce_mu + 0.3  # the stochastic code carries visibly less about y than its mean (0.50 nats here)
    assert r["i_zy_lower_nats"] == pytest.approx(h_y - ce_z, abs=0.03)
    assert r["i_zy_lower_nats"] < h_y - ce_mu - 0.3
    assert r["i_mu_y_lower_nats"] == pytest.approx(h_y - ce_mu, abs=1e-4)
    assert r["h_y_nats"] == pytest.approx(h_y, abs=1e-9)


def test_vib_fashion_deterministic_code_has_one_bound():
    from mutinfo.demos import vib_fashion

    torch.manual_seed(0)
    net = vib_fashion._model(None)
    y = torch.arange(500) % 10
    r = vib_fashion.evaluate(net, _vib_toy_data(500, y), y)
    assert r["i_zy_lower_nats"] == pytest.approx(r["i_mu_y_lower_nats"], abs=1e-12)  # z is its own mean
    assert r["h_y_nats"] == pytest.approx(math.log(10), abs=1e-12) and r["rate_nats"] == 0.0 and r["n_z_samples"] == 0


def test_mean_and_standard_error_of_seeds():
    from mutinfo.demos._common import mean_and_standard_error

    mean, se = mean_and_standard_error([0.80, 0.82, 0.83])
    # deviations -1/60, 1/300, 1/75: sum of squares 7/15000; sample variance 7/30000; s.e. sqrt(7/30000 / 3)
    assert mean == pytest.approx(0.816667, abs=1e-6) and se == pytest.approx(math.sqrt(7 / 90000), rel=1e-9)
    assert mean_and_standard_error([0.5]) == (0.5, None)  # undefined with one seed: None, not NaN


def test_imbalance_fashion_reports_standard_errors_over_seeds(tmp_path, monkeypatch):
    """Three seeds: mean and standard error of the mean (sample SD / sqrt(3)), and the number of seeds."""
    import numpy as np

    import mutinfo.datasets as datasets
    from mutinfo.demos import imbalance_fashion

    labels = np.repeat(np.arange(10), 6000)
    monkeypatch.setattr(datasets, "load_fashion_mnist", lambda split="train": (np.zeros((labels.size, 1)), labels))
    table = {"ce": [0.80, 0.82, 0.83], "ce+mi": [0.81, 0.81, 0.84], "reweighted": [0.84, 0.84, 0.84]}

    def fake_fit(method, data, epochs, seed, device, progress):
        return {"balanced_accuracy": table[method][seed], "recalls": [0.5] * 10, "seconds": 0.0, "nonfinite_steps": 0}

    monkeypatch.setattr(imbalance_fashion, "_fit", fake_fit)
    m = imbalance_fashion.run(tmp_path, epochs=1, seed=0, progress=False)
    assert m["n_seeds"] == 3 and m["seeds"] == [0, 1, 2]
    assert m["ce_balanced_accuracy"] == pytest.approx(0.816667, abs=1e-6)
    assert m["ce_balanced_accuracy_se"] == pytest.approx(math.sqrt(7 / 90000), rel=1e-9)  # 0.00882; population SD: 0.01247
    assert m["ce_mi_balanced_accuracy_se"] == pytest.approx(0.01, rel=1e-9)  # sd 0.01732 / sqrt(3)
    assert m["reweighted_balanced_accuracy_se"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.slow
@needs_fashion
def test_imbalance_fashion_quick(tmp_path):
    from mutinfo.demos import imbalance_fashion

    m = imbalance_fashion.run(tmp_path, quick=True, progress=False)
    assert m["train_class_counts"][0] == 6000 and m["train_class_counts"][-1] == 60
    assert m["nonfinite_steps"] == 0
    # both remedies lift the balanced accuracy of plain cross-entropy
    assert m["ce_mi_balanced_accuracy"] > m["ce_balanced_accuracy"]
    assert m["reweighted_balanced_accuracy"] > m["ce_balanced_accuracy"]
    assert (tmp_path / "imbalance_fashion.png").exists()


def test_scale_data_ceiling_matches_fine_quadrature():
    from mutinfo.demos.seed_regression import scale_mutual_information

    # 0.29347: the same integral on a 2001 x 12001 grid over u in [-8, 8], y in [-30, 30]
    assert scale_mutual_information() == pytest.approx(0.29347, abs=2e-4)


def test_seed_regression_states_how_each_figure_is_obtained():
    from mutinfo.demos import seed_regression

    doc = seed_regression.__doc__
    # The ceiling is a quadrature, I(Y; Y_hat) is KSG, and there is no other estimator behind either.
    assert "quadrature" in doc and "KSG" in doc and "copula" not in doc.lower()


@pytest.mark.slow
def test_cli_demo_ends_with_iic_accuracy():
    res = _cli("demo", "--quick")
    assert res.returncode == 0, res.stderr
    assert "IIC clustering of the 1797 digits" in res.stdout
    line = next(ln for ln in res.stdout.splitlines() if ln.strip().startswith("accuracy"))
    accuracy = float(line.split()[1])
    kmeans = float(line.rsplit(":", 1)[1])
    # --quick trains 40 steps: accuracy 0.706 at seed 0 (0.637 to 0.706 over seeds 0-4); chance is 0.1
    assert 0.55 < accuracy <= 1.0 and kmeans == pytest.approx(0.79, abs=0.03)


@pytest.mark.slow
@needs_fashion
def test_iic_fashion_quick(tmp_path):
    from mutinfo.demos import iic_fashion

    m = iic_fashion.run(tmp_path, quick=True, progress=False)
    assert m["nonfinite_steps"] == 0
    # The quick run (60 label-free steps) reaches 0.504, 0.500, 0.491 at seeds 0, 1, 2 (k-means on PCA-50:
    # 0.502, 0.481, 0.480; chance 0.1); the full run (600 steps) reaches 0.667, in the README.
    assert m["accuracy"] > 0.45 and 0.0 < m["nmi"] <= 1.0
    assert m["kmeans_accuracy"] > 0.45
    assert (tmp_path / "iic_fashion.png").exists()


@pytest.mark.slow
def test_mnist1d_quick(tmp_path):
    pytest.importorskip("mnist1d")
    from mutinfo.demos import mnist1d

    m = mnist1d.run(tmp_path, quick=True, progress=False)
    assert m["cnn_nonfinite_steps"] == 0 and m["gru_nonfinite_steps"] == 0
    # InfoNCE features beat chance (0.1) in a linear probe, and the bound respects its cap log(2N - 1).
    assert m["cnn_infonce_probe_accuracy"] > 0.3
    assert 0.0 < m["cnn_infonce_bound_nats"] < math.log(2 * mnist1d.BATCH - 1)
    assert (tmp_path / "mnist1d.png").exists()


def _free_port() -> int:
    """A free TCP port on the loopback interface, for a rendezvous."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_ddp_example_under_torchrun():
    """`torchrun --nproc_per_node=2 examples/ddp_infonce.py`: two gloo processes, same loss as one process."""
    port = _free_port()
    script = Path(__file__).parents[1] / "examples" / "ddp_infonce.py"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_addr=127.0.0.1",
           f"--master_port={port}", str(script), "--epochs", "1"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=False)
    if out.returncode != 0 and "terminate called without an active exception" in out.stderr and "linear probe accuracy" in out.stdout:
        # gloo can abort a rank while it tears its connections down after the work is done
        # (pytorch/gloo#155, seen rarely on a loaded 2-core machine): one more clean run is required.
        cmd[cmd.index(f"--master_port={port}")] = f"--master_port={_free_port()}"
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "world size 2" in out.stdout and "equal: True" in out.stdout
    accuracy = float(out.stdout.rsplit("linear probe accuracy on held-out digits:", 1)[1].split()[0])
    assert accuracy > 0.5
