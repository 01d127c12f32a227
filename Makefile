# The two commands: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
PORT   ?= 5006

.PHONY: install test test-fast lint pytest demo bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "workbench needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The JupyterLab extension: a Node build (cold ≈ 2.5 min, skipped while up to date), linked
# into the venv, since an editable install copies no data files (setuptools #3399).
install: $(STAMP)
	@PYTHON=$(BIN)/python extensions/build.sh --develop

lint: install
	$(BIN)/ruff check workbench tests notebooks/guides $(wildcard benchmarks/*.py)
	$(BIN)/ruff format --check workbench tests notebooks/guides $(wildcard benchmarks/*.py)
	$(BIN)/mypy workbench

# pytest exits 5 when it collected no test: that is a failure here, never a pass.
pytest: install
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

test: lint pytest

# The inner loop: everything but the browser, kernel, virtualenv and real-notebook tests.
test-fast: install
	@$(MAKE) --no-print-directory pytest PYTEST_ARGS='-m "not slow" $(PYTEST_ARGS)'

demo: install
	$(BIN)/workbench demo --port $(PORT)

# Each script prints its figures beside its anchor (MLflow, Optuna, Evidently) and saves JSON;
# ui.py and lab.py need Debian's chromium.
bench: install
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/tuning.py
	$(BIN)/python benchmarks/models.py
	$(BIN)/python benchmarks/serving.py
	$(BIN)/python benchmarks/autolog.py
	$(BIN)/python benchmarks/drift.py
	$(BIN)/python benchmarks/export.py
	$(BIN)/python benchmarks/ui.py
	$(BIN)/python benchmarks/lab.py
	$(BIN)/python benchmarks/corpus.py
	$(BIN)/python benchmarks/defuse.py
	$(BIN)/python benchmarks/reliability.py

clean:
	rm -rf $(VENV) .bench-venv build dist *.egg-info workbench/labextension extensions/workbench-lab/lib
