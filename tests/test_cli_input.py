"""The command line on the files and options a new user gives it: each reproducer of issue 14, run for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import mutinfo as mi


def _env() -> dict:
    return {"MUTINFO_PROGRESS": "0", "PATH": "", "OMP_NUM_THREADS": "1", "PYTHONPATH": os.path.dirname(os.path.dirname(mi.__file__))}


def run_process(*args: str) -> subprocess.CompletedProcess:
    """The real command in a fresh interpreter (what reaches the terminal, exit status)."""
    return subprocess.run([sys.executable, "-m", "mutinfo", *args], capture_output=True, text=True, env=_env())


def run(*args: str) -> subprocess.CompletedProcess:
    """``mutinfo.cli.main`` in this process (fast); stdout, stderr and the exit status as a subprocess would give."""
    import contextlib
    import io

    from mutinfo.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse errors
            code = exc.code
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def one_line_error(out: subprocess.CompletedProcess, *parts: str) -> str:
    """Exit 2, nothing on stdout, exactly one line on stderr holding every part; returns the line."""
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


def first_value(out: subprocess.CompletedProcess) -> float:
    assert out.returncode == 0, out.stderr
    return float(out.stdout.splitlines()[0].split("=")[1].split()[0])


@pytest.fixture
def people(tmp_path):
    """age (float), income (float), sex (integer 0/1): the README's command-line example."""
    rng = np.random.default_rng(0)
    n = 600
    sex = rng.integers(0, 2, n)
    age = rng.normal(40, 10, n).round(1)
    income = 30 + 0.5 * age + 10 * sex + rng.normal(0, 5, n)
    path = tmp_path / "data.csv"
    path.write_text("age,income,sex\n" + "".join(f"{age[i]},{income[i]:.3f},{sex[i]}\n" for i in range(n)))
    return path, age, np.round(income, 3), sex


def test_readme_example_with_integer_sex(people):
    path, age, income, sex = people
    out = run_process("estimate", str(path), "--x", "age", "--y", "income", "--z", "sex", "--ci", "0.95", "--permutations", "99", "--base", "2")
    value = first_value(out)
    assert "method: mixed (auto:" in out.stdout and "z discrete" in out.stdout
    assert value == pytest.approx(mi.conditional_mutual_information(age, income, sex, base=2, random_state=0), abs=1e-5)
    assert "permutation p-value: 0.01 (99 permutations)" in out.stdout
    assert "Data kinds inferred" not in out.stdout  # nothing doubtful about a float and a 0/1 integer column


def test_discrete_per_column(people):
    path, age, income, sex = people
    # sex listed as labels, age and income then continuous: the same as Python's discrete=(False, False, True)
    out = run("estimate", str(path), "--x", "age", "--y", "income", "--z", "sex", "--discrete", "sex", "--ci", "0")
    expected = mi.conditional_mutual_information(age, income, sex, discrete=(False, False, True), random_state=0)
    assert first_value(out) == pytest.approx(expected, abs=1e-6)
    # sex as the middle variable
    out = run("estimate", str(path), "--x", "age", "--y", "sex", "--z", "income", "--discrete", "sex", "--ci", "0")
    expected = mi.conditional_mutual_information(age, sex, income, discrete=(False, True, False), random_state=0)
    assert first_value(out) == pytest.approx(expected, abs=1e-6)
    one_line_error(run("estimate", str(path), "--x", "age,sex", "--y", "income", "--discrete", "sex"), "--x mixes label columns (sex)")
    one_line_error(run("estimate", str(path), "--x", "age", "--y", "income", "--discrete", "sexx"), "--discrete: no column 'sexx'")


def test_utf8_bom_header(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("x,y\n".encode("utf-8-sig") + "".join(f"{i % 4},{i % 4}\n" for i in range(400)).encode())
    out = run("estimate", str(path), "--x", "x", "--y", "y", "--ci", "0", "--base", "2", "--method", "plugin")
    assert first_value(out) == pytest.approx(2.0, abs=1e-9)


def test_header_whitespace_and_quoted_comma_names(tmp_path):
    path = tmp_path / "spaced.csv"
    path.write_text('a, b , "income, net"\n' + "".join(f"{i % 2}, {i % 2} , {i % 3}\n" for i in range(300)))
    out = run("estimate", str(path), "--x", "a", "--y", "b", "--ci", "0", "--base", "2", "--method", "plugin")
    assert first_value(out) == pytest.approx(1.0, abs=1e-9)
    # a name holding a comma is one whole --x value; repeated --x adds columns
    out = run("estimate", str(path), "--x", "income, net", "--ci", "0", "--base", "2", "--method", "plugin")
    assert out.stdout.startswith("H(income, net) = 1.58496")
    out = run("estimate", str(path), "--x", "a", "--x", "income, net", "--ci", "0", "--base", "2", "--method", "plugin")
    assert first_value(out) == pytest.approx(np.log2(6), abs=1e-5)


def test_na_and_empty_cells_integer_column(tmp_path):
    rng = np.random.default_rng(1)
    a = rng.integers(0, 3, 300)
    b = (a + rng.integers(0, 2, 300)) % 3
    cells = [f"{p},{q}" for p, q in zip(a, b)]
    cells[10] = f"NA,{b[10]}"
    cells[20] = f"{a[20]},"
    path = tmp_path / "gaps.csv"
    path.write_text("a,b\n" + "\n".join(cells) + "\n")
    one_line_error(run("estimate", str(path), "--x", "a", "--y", "b"), "column 'a'", "data rows [11]", "--nan-policy omit")
    out = run("estimate", str(path), "--x", "a", "--y", "b", "--ci", "0", "--nan-policy", "omit")
    keep = np.setdiff1d(np.arange(300), [10, 20])
    # a stays an integer column (discrete), not floats with NaN: the plug-in/NSB value of the labels
    assert first_value(out) == pytest.approx(mi.mutual_information(a[keep], b[keep]), abs=1e-6)
    assert "dropped 2 of 300 rows" in out.stdout


@pytest.mark.parametrize("delimiter", [",,", ""])
def test_bad_delimiter_is_one_line(people, delimiter):
    path, *_ = people
    one_line_error(run("estimate", str(path), "--x", "age", "--y", "income", "--delimiter", delimiter), "--delimiter must be one character")


def test_tab_delimiter_by_name(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("a\tb\n" + "".join(f"{i % 2}\t{i % 2}\n" for i in range(100)))
    for given in ("tab", "\\t", None):
        extra = ["--delimiter", given] if given else []
        out = run("estimate", str(path), "--x", "a", "--y", "b", "--ci", "0", "--base", "2", "--method", "plugin", *extra)
        assert first_value(out) == pytest.approx(1.0, abs=1e-9)


def test_ragged_rows_name_the_line(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n1,2\n3,4\n5,6,7\n")
    one_line_error(run("estimate", str(path), "--x", "a", "--y", "b"), "Expected 2 fields in line 4, saw 3", "--delimiter")


def test_permutations_negative(people):
    path, *_ = people
    one_line_error(run("estimate", str(path), "--x", "age", "--y", "income", "--permutations", "-5"), "--permutations must be 0", "got -5")
    one_line_error(run("estimate", str(path), "--x", "age", "--y", "income", "--ci", "1.5"), "--ci must be 0")


def test_one_row_csv_no_numpy_warning(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("a,b\n1.5,2.5\n")
    for method in ("auto", "ksg"):
        out = run_process("estimate", str(path), "--x", "a", "--y", "b", "--method", method)
        one_line_error(out, "mutinfo estimate: error:")
        assert "Warning" not in out.stderr


def test_header_only_and_empty_files(tmp_path):
    (tmp_path / "h.csv").write_text("a,b\n")
    one_line_error(run("estimate", str(tmp_path / "h.csv"), "--x", "a", "--y", "b"), "no data rows")
    (tmp_path / "e.csv").write_text("")
    one_line_error(run("estimate", str(tmp_path / "e.csv"), "--x", "a", "--y", "b"), "is empty")
    (tmp_path / "d.csv").write_text("a,a\n1,2\n")
    one_line_error(run("estimate", str(tmp_path / "d.csv"), "--x", "a", "--y", "a"), "duplicate column names", "'a'")
    one_line_error(run("estimate", str(tmp_path), "--x", "a", "--y", "b"), "is a folder")


def test_json_into_a_closed_pipe_is_quiet(people):
    path, *_ = people
    proc = subprocess.Popen(
        [sys.executable, "-m", "mutinfo", "estimate", str(path), "--x", "age", "--y", "income", "--ci", "0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    proc.stdout.close()  # the reader is gone before the first write, as with `| head -c 10` on a fast reader
    _, err = proc.communicate(timeout=120)
    assert err.decode() == ""
    assert proc.returncode == 141


def test_json_output_parses(people):
    path, *_ = people
    out = run("estimate", str(path), "--x", "age", "--y", "income", "--z", "sex", "--ci", "0", "--json")
    result = json.loads(out.stdout)
    assert result["method"] == "mixed" and result["x"] == "age" and result["z"] == "sex"


def test_decimal_commas_in_a_semicolon_file(tmp_path):
    # A European spreadsheet's export: ';' between fields, ',' before the decimals.
    rng = np.random.default_rng(3)
    x = rng.standard_normal(300).round(3)
    y = (0.8 * x + 0.6 * rng.standard_normal(300)).round(3)
    path = tmp_path / "eu.csv"
    path.write_text("x;y\n" + "".join(f"{a};{b}\n".replace(".", ",") for a, b in zip(x, y)))
    out = run("estimate", str(path), "--x", "x", "--y", "y", "--method", "gaussian", "--ci", "0")
    assert first_value(out) == pytest.approx(mi.mutual_information(x, y, method="gaussian"), abs=1e-5)


def test_usage_errors_are_one_line(people):
    path, *_ = people
    one_line_error(run("estimate", str(path), "--x", "age", "--permutations", "abc"), "--permutations: invalid int value: 'abc'")
    one_line_error(run("estimate", str(path)), "the following arguments are required: --x")
