"""Sphinx configuration of the mutinfo documentation (build: `make docs`)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE / "_ext"))
os.environ.setdefault("MUTINFO_PROGRESS", "0")

import mutinfo  # noqa: E402

project = "mutinfo"
author = "the mutinfo developers"
copyright = "the mutinfo developers, BSD-3-Clause"
release = version = mutinfo.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "cli_help",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "README.md", "figures/README.md"]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

# API reference from the docstrings (numpydoc sections), members in source order.
autodoc_default_options = {"members": True, "member-order": "bysource", "show-inheritance": False}
autodoc_typehints = "none"  # the numpydoc Parameters sections say the types
# Optional integrations that are not installed are mocked, so `pip install ".[docs]"` suffices.
autodoc_mock_imports = [m for m in ("lightning", "tensorboard", "torchmetrics", "keras") if importlib.util.find_spec(m) is None]
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

html_theme = "alabaster"
html_static_path: list[str] = []
html_theme_options = {"description": "Mutual information for deep learning", "fixed_sidebar": True}
html_title = f"mutinfo {release}"
