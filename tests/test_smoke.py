import subprocess
import sys


def test_import_does_not_load_heavy_frameworks():
    heavy = "('torch', 'matplotlib', 'sklearn', 'pandas', 'dask', 'distributed')"
    code = f"import sys, mutinfo, mutinfo.selection_dask; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_knn_estimators_on_numpy_input_do_not_load_sklearn_or_torch():
    """k-NN estimates of multi-dimensional data stay on NumPy and SciPy (importing scikit-learn costs about a second)."""
    code = (
        "import sys, numpy as np, mutinfo as mi\n"
        "rng = np.random.default_rng(0); x = rng.standard_normal((30000, 3)); y = x + rng.standard_normal((30000, 3))\n"
        "mi.mutual_information(x, y, method='ksg'); mi.mutual_information(x, y, method='ksg2')\n"
        "mi.conditional_mutual_information(x[:, :1], y[:, :1], x[:, 1:], method='ksg'); mi.entropy(x, method='kl')\n"
        "print(sorted(m for m in ('torch', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
