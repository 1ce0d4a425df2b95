"""The documentation site builds without a warning, and the examples of its pages run and hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from _examples import python_blocks, run_page

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(p for p in DOCS.glob("*.md") if p.name != "README.md")


def test_docs_build_with_warnings_as_errors(tmp_path):
    pytest.importorskip("sphinx", reason="sphinx is not installed (pip install -e \".[docs]\")")
    pytest.importorskip("numpydoc", reason="numpydoc is not installed (pip install -e \".[docs]\")")
    pytest.importorskip("myst_parser", reason="myst-parser is not installed (pip install -e \".[docs]\")")
    out = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(tmp_path / "html")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    html = tmp_path / "html"
    for page in ("index", "getting_started", "which_estimator", "training", "monitoring", "selection", "distributed", "cli", "benchmarks", "uncertainty"):
        assert (html / f"{page}.html").stat().st_size > 0, page
    # the API reference was generated from the docstrings ...
    estimation = (html / "api" / "estimation.html").read_text(encoding="utf-8")
    assert "conditional_mutual_information" in estimation and "nan_policy" in estimation
    # ... the CLI reference holds the real --help, and the figures are embedded
    cli = (html / "cli.html").read_text(encoding="utf-8")
    assert "usage: mutinfo estimate" in cli and "--discrete COLS" in cli
    assert {"information_plane.png", "accuracy.png"} <= {p.name for p in (html / "_images").iterdir()}


def test_every_guide_page_is_in_the_toctree():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in PAGES:
        assert page.stem == "index" or f"\n{page.stem}\n" in index, page.name


@pytest.mark.parametrize("page", [p for p in PAGES if python_blocks(p)], ids=lambda p: p.name)
def test_page_examples_run_and_their_values_hold(page, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)  # examples may write figures
    checked = run_page(page)
    print("\n".join(checked))
    if page.name == "monitoring.md":  # the information-plane example wrote its figure
        assert (tmp_path / "plane.png").stat().st_size > 0
