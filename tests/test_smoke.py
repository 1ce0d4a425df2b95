import subprocess
import sys


def test_import_does_not_load_heavy_frameworks():
    code = "import sys, mutinfo; print(sorted(m for m in ('torch', 'matplotlib', 'sklearn', 'pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
