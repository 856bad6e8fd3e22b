# Paper Digest: every target creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Extra pip arguments for torch, e.g. an index of CPU-only wheels on a machine without one.
TORCH_PIP_ARGS ?=

# Nothing downloads at run time: the embedding model comes from an installed package.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export NO_MKDOCS_2_WARNING := 1

.PHONY: venv site serve test lint format bench golden check system-deps vendor-katex clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --quiet --upgrade pip
	# The CPU build of torch first, so nothing below pulls the CUDA build.
	$(BIN)/pip install --quiet --quiet "torch==2.13.0" $(TORCH_PIP_ARGS)
	$(BIN)/pip install --quiet --quiet -e ".[dev]"
	touch $@

venv: $(STAMP)  ## create .venv with everything installed

site: $(STAMP)  ## build the demo site from digests/ into site/
	$(BIN)/paper-digest build

serve: $(STAMP)  ## preview the site with live reload
	$(BIN)/paper-digest serve

check: $(STAMP)  ## list problems in the digests
	$(BIN)/paper-digest check

system-deps:  ## Debian packages the tests use (headless Chromium, faketime)
	sh tools/system-deps.sh

# Two runs that together hold every test: the first imports no torch, so a test that loads the
# real model without the `model` mark fails there by name (tests/conftest.py).
test: $(STAMP) system-deps  ## run the whole test suite
	$(BIN)/python -m pytest -m "not model"
	$(BIN)/python -m pytest -m model

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)  ## speed, memory and quality figures, measured side by side
	$(BIN)/python -m benchmarks

golden: $(STAMP)  ## regenerate tests/golden/ after a deliberate change to the output
	$(BIN)/python -m tests.golden

vendor-katex:  ## refresh the bundled KaTeX from the npm registry (needs npm)
	sh tools/vendor-katex.sh

clean:
	rm -rf site .cache out .pytest_cache .mypy_cache .ruff_cache
