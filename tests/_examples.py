"""Run the Python examples of a Markdown page (README, docs) and check the values their comments state.

Every ```python block of a page runs in order in one namespace, statement by statement.
A comment on the line of a one-line top-level statement (an expression, or an assignment
to one name) may state what it returns:

* ``# ~V``: within one unit of the last digit written (``~2.82``: within 0.01);
* ``# = V``: equal to V up to 1e-9;
* ``# shape (a, b)``: ``numpy.shape(value) == (a, b)``;
* ``(true: EXPR = V)``: EXPR, over ``math``'s names, equals V within one unit of the last digit.

Blocks written as ```` ```{code-block} python ```` are shown but not run (a ``torchrun``
script, a loop over a data set the reader has).
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import numpy as np

NUMBER = r"-?\d+(?:\.\d+)?"
_TRUE = re.compile(rf"\(true: (.+?) = ({NUMBER})\)")
_APPROX = re.compile(rf"~({NUMBER})")
_EXACT = re.compile(rf"(?<![=<>!])= ({NUMBER})(?![\d.])")
_SHAPE = re.compile(r"shape \((\d+(?:, \d+)*),?\)")


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", path.read_text(encoding="utf-8"), flags=re.S | re.M)


def _unit(text: str) -> float:
    return 10.0 ** -(len(text.split(".")[1]) if "." in text else 0)


def _comment(line: str) -> str:
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


def claims(comment: str) -> list[tuple[str, tuple]]:
    found = []
    for pattern, kind in ((_TRUE, "true"), (_SHAPE, "shape"), (_APPROX, "approx"), (_EXACT, "exact")):
        found.extend((kind, m.groups()) for m in pattern.finditer(comment))
        comment = pattern.sub(" ", comment)
    return found


def check(kind: str, args: tuple, value: object, where: str) -> str:
    if kind == "true":
        expr, written = args
        got = eval(expr, {"__builtins__": {}}, vars(math))  # noqa: S307 - page text, math names only
        assert abs(got - float(written)) <= _unit(written), f"{where}: {expr} = {got:.6g}, the page says {written}"
        return f"true {expr} = {written}"
    if kind == "shape":
        shape = tuple(int(s) for s in args[0].split(","))
        assert np.shape(value) == shape, f"{where}: shape {np.shape(value)}, the page says {shape}"
        return f"shape {shape}"
    (written,) = args
    tolerance = _unit(written) if kind == "approx" else 1e-9
    assert abs(float(value) - float(written)) <= tolerance, f"{where}: got {float(value):.6g}, the page says {written}"
    return f"{'~' if kind == 'approx' else '='}{written}"


def run_page(path: Path, namespace: dict | None = None) -> list[str]:
    """Run every ```python block of ``path``; assert each stated value; return what was checked."""
    namespace = {"__name__": path.stem} if namespace is None else namespace
    checked: list[str] = []
    for index, code in enumerate(python_blocks(path)):
        lines = code.splitlines()
        for stmt in ast.parse(code).body:
            where = f"{path.name} python block {index}, line {stmt.lineno}: {lines[stmt.lineno - 1].strip()}"
            value = None
            try:
                if isinstance(stmt, ast.Expr):
                    value = eval(compile(ast.Expression(stmt.value), where, "eval"), namespace)  # noqa: S307
                else:
                    exec(compile(ast.Module([stmt], []), where, "exec"), namespace)  # noqa: S102
                    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                        value = namespace[stmt.targets[0].id]
            except Exception as exc:
                raise AssertionError(f"{where} failed") from exc
            if stmt.lineno == stmt.end_lineno:
                for kind, args in claims(_comment(lines[stmt.lineno - 1])):
                    checked.append(f"{path.name} block {index} line {stmt.lineno}: " + check(kind, args, value, where))
    return checked
