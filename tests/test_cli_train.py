"""`mutinfo train` and `mutinfo methods` as a new user meets them (issue 14 reproducers)."""

from __future__ import annotations

import json
import sys
import types

import pytest

from test_cli_input import one_line_error, run


@pytest.fixture
def fake_demo(monkeypatch):
    """seed-mlp replaced by an instant demo that writes what a real one writes."""
    from mutinfo.cli import _train

    calls = []

    def fake_run(out_dir, *, device, epochs, quick, seed, progress):
        calls.append(device)
        (out_dir / "metrics.json").write_text(json.dumps({"demo": "seed-mlp", "r2": 0.9}))
        (out_dir / "seed_mlp.png").write_bytes(b"\x89PNG fake")
        return {"demo": "seed-mlp", "r2": 0.9}

    module = types.ModuleType("fake_demo_module")
    module.run = fake_run
    monkeypatch.setitem(sys.modules, "fake_demo_module", module)
    monkeypatch.setitem(_train.DEMOS, "seed-mlp", _train.Demo("fake_demo_module:run", "a fake"))
    return calls


def test_help_lists_demos_not_docstrings():
    out = run("train", "--help")
    assert out.returncode == 0
    from mutinfo.cli._train import DEMOS

    for name, demo in DEMOS.items():
        assert f"  {name}" in out.stdout and demo.summary in out.stdout
    assert "run(out_dir" not in out.stdout and ":mod:" not in out.stdout and "-> dict" not in out.stdout


def test_each_run_says_where_it_wrote_and_default_folder_is_fresh(tmp_path, monkeypatch, fake_demo):
    monkeypatch.chdir(tmp_path)
    first = run("train", "seed-mlp", "--device", "cpu")
    assert first.returncode == 0, first.stderr
    second = run("train", "seed-mlp", "--device", "cpu")
    folders = sorted((tmp_path / "runs").iterdir())
    assert len(folders) == 2 and all(f.name.startswith("seed-mlp-") for f in folders)  # nothing overwritten
    for out in (first, second):
        assert "r2: 0.9" in out.stdout
    wrote = [line for line in first.stdout.splitlines() if line.startswith("wrote ")]
    assert len(wrote) == 2
    assert any(line.endswith("metrics.json  (metrics)") for line in wrote)
    assert any(line.endswith("seed_mlp.png  (figure)") for line in wrote)


def test_existing_results_are_refused_unless_force(tmp_path, fake_demo):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "metrics.json").write_text("{}")
    one_line_error(run("train", "seed-mlp", "--device", "cpu", "--out", str(folder)), "already holds results", "metrics.json", "--force")
    assert (folder / "metrics.json").read_text() == "{}" and fake_demo == []
    forced = run("train", "seed-mlp", "--device", "cpu", "--out", str(folder), "--force")
    assert forced.returncode == 0 and json.loads((folder / "metrics.json").read_text())["r2"] == 0.9
    assert f"wrote {folder / 'metrics.json'}" in forced.stdout


def test_out_is_an_existing_file(tmp_path, fake_demo):
    path = tmp_path / "notes.txt"
    path.write_text("keep me")
    one_line_error(run("train", "seed-mlp", "--out", str(path)), "--out", "is a file, not a folder")
    assert path.read_text() == "keep me" and fake_demo == []


def test_device_checked_before_anything_is_written(tmp_path, fake_demo):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: --device cuda is valid here")
    folder = tmp_path / "new"
    one_line_error(run("train", "seed-mlp", "--device", "cuda", "--out", str(folder)), "--device cuda: CUDA is not available")
    one_line_error(run("train", "seed-mlp", "--device", "tpu", "--out", str(folder)), "--device must be cpu, cuda")
    assert not folder.exists() and fake_demo == []


def test_methods_fits_the_terminal(monkeypatch):
    for columns in (80, 120):
        monkeypatch.setenv("COLUMNS", str(columns))
        out = run("methods")
        assert out.returncode == 0
        lines = out.stdout.splitlines()
        assert max(len(line) for line in lines) <= columns
        assert any(line.startswith("mixed ") for line in lines)


def test_methods_long_shows_references_and_kinds(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = run("methods", "--long")
    text = out.stdout
    assert max(len(line) for line in text.splitlines()) <= 80
    from mutinfo import methods

    blocks = text.split("\n\n")
    assert len(blocks) == len(methods())
    mixed = next(b for b in blocks if b.startswith("mixed"))
    assert "data:           continuous, mixed, discrete" in mixed
    assert "Mesner & Shalizi (2020)" in " ".join(mixed.split())
    assert "estimates:      mi, cmi" in mixed


@pytest.mark.parametrize("command", [[], ["methods"], ["estimate"], ["demo"], ["train"], ["bench"], ["bench", "accuracy"]])
def test_help_has_no_developer_markup(command):
    out = run(*command, "--help")
    assert out.returncode == 0
    for markup in ("``", ":mod:", ":func:", ":class:", "-> dict", "out_dir"):
        assert markup not in out.stdout, (command, markup)
