"""The README's quick start runs as written, top to bottom in one namespace, as a reader would,
and every value written in its comments is what the line returns (the other examples live in
docs/ and run in tests/test_docs.py, with the same checker, tests/_examples.py).

The expected values live in the README text; this file only parses them, so a changed
figure is updated in one place (the README). Forms a comment may take, on the line of a
top-level statement (an expression, or an assignment to one name):

* ``# ~V``: the value is within one unit of the last digit written (``~2.82``: within 0.01;
  ``~1.0``: within 0.1). Estimates are seeded, so the tolerance only absorbs platform round-off.
* ``# = V``: the value equals V up to 1e-9.
* ``# shape (a, b)``: ``numpy.shape(value) == (a, b)``.
* ``# [{'key': V, 'name': 'text', ...}]`` or ``# {'key': V, ...}``: those entries of the value
  (of its first element for a list), numbers within one unit of the last digit written.
* ``(true: EXPR = V)``: EXPR, a Python expression over ``math``'s names, equals V within one
  unit of the last digit (the analytic value the estimate is compared with is quoted right).

Any other digit in a comment of a Python block makes the test fail, except in the few
descriptive phrases of ``NOT_VALUES``, so that no figure in the examples goes unchecked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from _examples import _check, _unit, claims, run_blocks

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)


def run_readme(namespace: dict) -> list[str]:
    """Run every README block statement by statement; check each stated value; return what was checked."""
    return run_blocks(BLOCKS, "README", namespace)


def test_readme_quick_start_runs_and_its_values_hold(tmp_path, monkeypatch):
    """The quick start (measure MI, train with an MI loss, watch a network) prints what it says."""
    pytest.importorskip("pandas")
    torch = pytest.importorskip("torch")
    assert len(BLOCKS) >= 3
    monkeypatch.chdir(tmp_path)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the training loop's result is seeded; one thread keeps it fast on a loaded machine
    try:
        checked = run_readme({"__name__": "readme"})
    finally:
        torch.set_num_threads(threads)
    print("\n".join(checked))
    assert len(checked) >= 6, checked
    for phrase in ("mi.mutual_information(", "DiscreteMILoss", "InformationPlane"):
        assert phrase in TEXT


def test_no_asserted_example_was_lost():
    """The README's former examples moved into docs pages whose examples run as tests (tests/test_docs.py):
    together they still state (and check) at least the 21 values the long README did, plus the docs' own."""
    from _examples import _comment, python_blocks

    docs = Path(__file__).resolve().parents[1] / "docs"

    def count(path: Path) -> int:
        return sum(len(claims(_comment(line))[0]) for block in python_blocks(path) for line in block.splitlines())

    in_docs = sum(count(p) for p in docs.glob("*.md"))
    assert in_docs >= 21 + 3, in_docs
    for page, least in (("getting_started.md", 7), ("which_estimator.md", 11), ("monitoring.md", 6)):
        assert count(docs / page) >= least, page


@pytest.mark.parametrize(
    ("comment", "kinds"),
    [
        (" ~2.82 (true: log(2*pi*e) = 2.838)", ["true", "approx"]),
        (" = 0 (I(X;Y|X))", ["exact"]),
        (" shape (50, 1)", ["shape"]),
        (" [{'epoch': 0, 'unit': 'bits', ...}]", ["entry", "entry"]),
        (" H(X) in nats", []),
    ],
)
def test_comment_parser(comment, kinds):
    found, rest = claims(comment)
    assert [k for k, _ in found] == kinds
    assert not re.search(r"\d", rest)


def test_unchecked_number_is_an_error():
    found, rest = claims(" about 3 s on one CPU core")
    assert not found and re.search(r"\d", rest)
    assert _unit("2.84") == pytest.approx(0.01) and _unit("12") == 1.0
    with pytest.raises(AssertionError, match="the text says ~2.84"):
        _check("approx", ("2.84",), 2.818, "here")


def test_install_instructions_name_a_clone():
    # mutinfo is not on PyPI: extras install from a clone (`pip install -e ".[bench]"`).
    assert "pip install 'mutinfo[" not in TEXT and 'pip install "mutinfo[' not in TEXT
    for extra in re.findall(r'pip install -e "\.\[([\w-]+)\]"', TEXT):
        assert extra == "EXTRA" or re.search(rf"^{re.escape(extra)} = \[", (README.parent / "pyproject.toml").read_text(), re.M), extra


def test_missing_dependency_hint_does_not_assume_a_published_package():
    from mutinfo._errors import missing_dependency

    msg = str(missing_dependency("keras", "mutinfo.monitor.keras", extra="keras"))
    assert msg.endswith('Install it with: pip install keras (or, from a clone of mutinfo: pip install -e ".[keras]")')
    assert str(missing_dependency("pyarrow", "Reading Parquet files")).endswith("Install it with: pip install pyarrow")
