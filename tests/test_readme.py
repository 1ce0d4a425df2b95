"""The README's Python examples run as written, top to bottom in one namespace, as a reader would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_examples_run_in_order(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    assert len(BLOCKS) >= 8
    monkeypatch.chdir(tmp_path)  # examples write figures
    namespace: dict = {"__name__": "readme"}
    for index, code in enumerate(BLOCKS):
        try:
            exec(compile(code, f"README.md python block {index}", "exec"), namespace)
        except Exception as exc:  # name the block that broke
            raise AssertionError(f"README python block {index} failed:\n{code}") from exc
    # The figure of the information-plane example was written.
    assert (tmp_path / "plane.png").stat().st_size > 0
