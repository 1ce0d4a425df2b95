"""The coverage table of docs/uncertainty.md is the one in benchmarks/results/coverage.md."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _table(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| family | data | method | n | draws |"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(line.strip())
    return rows


def test_docs_coverage_table_equals_the_results_file():
    results = _table((ROOT / "benchmarks" / "results" / "coverage.md").read_text())
    docs = _table((ROOT / "docs" / "uncertainty.md").read_text())
    assert len(results) > 2 + 30  # header, rule, and every family at three sizes
    assert docs == results


def test_every_unlabelled_interval_covers_within_005():
    # A row either covers within 0.05 of 0.95 or carries a label that says what it is instead.
    rows = _table((ROOT / "benchmarks" / "results" / "coverage.md").read_text())[2:]
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        label, coverage = cells[6], float(cells[8])
        if label == "confidence interval":
            assert abs(coverage - 0.95) <= 0.05, row
        else:
            assert "not a confidence interval" in label, row
