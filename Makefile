# mutinfo: `make demo` and `make test` work on a fresh machine.
#
# The CPU wheel of torch==2.13.0 is installed first so that pip never pulls a
# multi-GB CUDA build; the package itself only asks for torch>=2.1.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
TORCH  := torch==2.13.0
EXTRAS ?= test

.PHONY: venv demo demo-text fortunes test test-fast docs bench clean

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q "$(TORCH)"
	$(PIP) install -q -e ".[$(EXTRAS)]"
	@touch $@

venv: $(VENV)/.installed

demo: venv
	$(VENV)/bin/mutinfo demo

# The fortunes text corpus (Debian package) for the text demos and their tests.
fortunes:
	@test -e /usr/share/games/fortunes/fortunes || { command -v apt-get >/dev/null && \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq fortunes; } || \
	  echo "note: could not install the Debian package fortunes; the text demos need it"

demo-text: venv fortunes
	$(VENV)/bin/mutinfo train text-mi-decay
	$(VENV)/bin/mutinfo train text-classify

test: venv
	$(PY) -m pytest

test-fast: venv
	$(PY) -m pytest -m "not slow" -x -q

# The documentation site into docs/_build/html; any Sphinx warning fails the build.
docs: venv
	$(PIP) install -q -e ".[docs]"
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

bench: venv
	$(PIP) install -q -e ".[bench]"
	$(PY) benchmarks/discrete_speed.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache docs/_build
