"""The README's Python examples run as written, top to bottom in one namespace, as a reader would,
and every value written in their comments is what the line returns.

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

import ast
import math
import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)

NUMBER = r"-?\d+(?:\.\d+)?"
TRUE = re.compile(rf"\(true: (.+?) = ({NUMBER})\)")
APPROX = re.compile(rf"~({NUMBER})")
EXACT = re.compile(rf"(?<![=<>!])= ({NUMBER})(?![\d.])")
SHAPE = re.compile(r"shape \((\d+(?:, \d+)*),?\)")
ENTRY = re.compile(rf"'(\w+)': (?:'([^']*)'|({NUMBER}))")
# Numbers in comments that describe the code rather than state a value it returns.
NOT_VALUES = ("95%", "d_x + d_y >= 8, n >= 1000", "4096 inputs", "epoch % every == 0")


def _unit(text: str) -> float:
    """One unit of the last digit written: 0.01 for "2.82", 1 for "12"."""
    return 10.0 ** -(len(text.split(".")[1]) if "." in text else 0)


def _comment(line: str) -> str:
    """The comment of a line of code (a '#' outside string literals), or ''."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return line[i + 1 :]
    return ""


def claims(comment: str) -> tuple[list[tuple[str, object]], str]:
    """The checkable clauses of a comment, and what is left of it once they are removed."""
    found: list[tuple[str, object]] = []
    rest = comment
    for pattern, kind in ((TRUE, "true"), (SHAPE, "shape"), (APPROX, "approx"), (EXACT, "exact")):
        for m in pattern.finditer(rest):
            found.append((kind, m.groups()))
        rest = pattern.sub(" ", rest)
    if re.search(r"[\[{]\s*'", rest):
        entries = ENTRY.findall(rest)
        found.extend(("entry", e) for e in entries)
        rest = ENTRY.sub(" ", rest)
    for phrase in NOT_VALUES:
        rest = rest.replace(phrase, " ")
    return found, rest


def _check(kind: str, args: tuple, value: object, where: str) -> str:
    """Assert one clause against the line's value; return a one-line record of what was checked."""
    if kind == "true":
        expr, written = args
        got = eval(expr, {"__builtins__": {}}, vars(math))  # noqa: S307 - README text, math names only
        assert abs(got - float(written)) <= _unit(written), f"{where}: {expr} = {got:.6g}, the README says {written}"
        return f"true {expr} = {written} (±{_unit(written):g})"
    if kind == "shape":
        shape = tuple(int(s) for s in args[0].split(","))
        assert np.shape(value) == shape, f"{where}: shape {np.shape(value)}, the README says {shape}"
        return f"shape {shape}"
    if kind == "approx":
        (written,) = args
        assert abs(float(value) - float(written)) <= _unit(written), f"{where}: got {float(value):.6g}, the README says ~{written}"
        return f"~{written} (±{_unit(written):g}; got {float(value):.4f})"
    if kind == "exact":
        (written,) = args
        assert abs(float(value) - float(written)) <= 1e-9, f"{where}: got {float(value)!r}, the README says = {written}"
        return f"= {written} (±1e-9)"
    key, text, written = args
    record = value[0] if isinstance(value, list) else value
    if written:
        got = float(record[key])
        assert abs(got - float(written)) <= _unit(written), f"{where}: {key} = {got:.6g}, the README says {written}"
        return f"{key} {written} (±{_unit(written):g}; got {got:.4f})"
    assert record[key] == text, f"{where}: {key} = {record[key]!r}, the README says {text!r}"
    return f"{key} = {text!r}"


def run_readme(namespace: dict) -> list[str]:
    """Run every block statement by statement; check each stated value; return what was checked."""
    checked: list[str] = []
    for index, code in enumerate(BLOCKS):
        lines = code.splitlines()
        tree = ast.parse(code)
        covered: set[int] = set()
        for stmt in tree.body:
            where = f"README python block {index}, line {stmt.lineno}: {lines[stmt.lineno - 1].strip()}"
            value = None
            try:
                if isinstance(stmt, ast.Expr):
                    value = eval(compile(ast.Expression(stmt.value), where, "eval"), namespace)  # noqa: S307
                else:
                    exec(compile(ast.Module([stmt], []), where, "exec"), namespace)  # noqa: S102
                    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                        value = namespace[stmt.targets[0].id]
            except Exception as exc:  # name the statement that broke
                raise AssertionError(f"{where} failed:\n{code}") from exc
            if stmt.lineno != stmt.end_lineno:
                continue  # a compound or multi-line statement: its comments must not state values (checked below)
            found, _ = claims(_comment(lines[stmt.lineno - 1]))
            covered.add(stmt.lineno)
            for kind, args in found:
                checked.append(f"block {index} line {stmt.lineno}: " + _check(kind, args, value, where))
        for number, line in enumerate(lines, start=1):
            found, rest = claims(_comment(line))
            assert number in covered or not found, f"README python block {index} line {number} states a value that is not checked: {line}"
            assert not re.search(r"\d", rest), f"README python block {index} line {number}: a number in a comment that is not checked: {line}"
    return checked


def test_readme_examples_run_in_order_and_their_values_hold(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    assert len(BLOCKS) >= 8
    monkeypatch.chdir(tmp_path)  # examples write figures
    checked = run_readme({"__name__": "readme"})
    # The figure of the information-plane example was written.
    assert (tmp_path / "plane.png").stat().st_size > 0
    print("\n".join(checked))
    assert len(checked) >= 15, checked


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
    with pytest.raises(AssertionError, match="the README says ~2.84"):
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
