# Everything a user or CI runs. `make run` opens the chat; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test test-fast lint bench eval browser-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The CPU build of torch first: a plain `torch` would pull a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(PY) ui.py --open

browser-deps:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

test: setup browser-deps
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not e2e and not browser"

lint: setup
	$(VENV)/bin/ruff check qa tests benchmarks ui.py
	$(VENV)/bin/ruff format --check qa tests benchmarks ui.py
	$(VENV)/bin/mypy

bench: setup
	$(PY) benchmarks/bench_core.py

clean:
	rm -rf $(VENV) index/default

eval: setup
	$(PY) benchmarks/bench_quality.py
