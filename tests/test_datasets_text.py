"""The fortunes loader: parsing on a fixture shipped in tests/data, the real corpus when installed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import mutinfo as mi
from mutinfo._errors import ParameterError
from mutinfo.datasets import DataNotFoundError
from mutinfo.datasets.text import FORTUNES_PATH, parse_fortune_file

FIXTURE = Path(__file__).parent / "data" / "fortunes"


def test_parse_separators_blank_entries_and_missing_final_separator():
    assert parse_fortune_file(FIXTURE / "alpha") == [
        "A short one.",
        "Two lines,\n\tindented.\n\t\t-- Someone",
        "Last entry without a final separator.",
    ]


def test_parse_latin1_crlf_and_overstriking():
    assert parse_fortune_file(FIXTURE / "beta") == ["Café in Latin-1.", "Underlined word.", "This is the LAST time."]


def test_categories_labels_skip_index_files_symlinks_and_offensive():
    data = mi.datasets.fortunes(path=FIXTURE)
    assert data.categories == ("alpha", "beta")
    np.testing.assert_array_equal(data.labels, [0, 0, 0, 1, 1, 1])
    assert len(data.texts) == 6 and data.labels.dtype == np.int64
    both = mi.datasets.fortunes(path=FIXTURE, offensive=True)
    assert both.categories == ("alpha", "beta", "off/gamma") and both.texts[-1] == "Not read by default."


def test_category_order_sets_the_labels():
    data = mi.datasets.fortunes(["beta", "alpha"], path=FIXTURE)
    assert data.categories == ("beta", "alpha")
    np.testing.assert_array_equal(data.labels, [0, 0, 0, 1, 1, 1])
    assert data.texts[0] == "Café in Latin-1."


def test_unknown_category_lists_the_valid_ones():
    with pytest.raises(ParameterError, match=r"`categories` parameter of fortunes .*\['alpha', 'beta'\]. Got \['gamma'\]"):
        mi.datasets.fortunes(["gamma"], path=FIXTURE)


def test_missing_corpus_says_how_to_install(tmp_path):
    with pytest.raises(DataNotFoundError, match="apt-get install fortunes") as info:
        mi.datasets.fortunes(path=tmp_path / "nowhere")
    assert isinstance(info.value, FileNotFoundError)
    assert not mi.datasets.fortunes_available(tmp_path)


@pytest.mark.skipif(not mi.datasets.fortunes_available(), reason=f"fortunes corpus not installed in {FORTUNES_PATH} (apt-get install fortunes)")
def test_real_corpus():
    data = mi.datasets.fortunes()
    assert len(data.categories) >= 30 and "off/" not in "".join(data.categories)
    assert len(data.texts) > 10_000 and len(data.texts) == data.labels.shape[0]
    assert sum(map(len, data.texts)) > 2_000_000
    assert all(t.strip() and "\n%\n" not in f"\n{t}\n" and "\x08" not in t for t in data.texts)
    assert np.bincount(data.labels).min() >= 1
