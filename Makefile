# Everyday targets. `make run` and `make test` install what they need on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
TORCH_SPEC := torch>=2.13,<2.14
# Without a local wheel, take torch from PyTorch's CPU index: PyPI's default build is a multi-GB CUDA one.
TORCH_INDEX ?= $(shell $(PYTHON) -m pip config list 2>/dev/null | grep -q find-links || echo https://download.pytorch.org/whl/cpu)
ARGS ?=

.PHONY: setup run test test-unit lint typecheck security imports check bench clean help rollback-model

help:
	@echo "make run       replay the last day of candles in dry-run (embedded defaults)"
	@echo "make test      run the whole test suite"
	@echo "make check     lint, types, import contracts and security scan"
	@echo "make bench     run the benchmark scripts"
	@echo "make rollback-model TAG=vX.Y.Z REASON=\"...\"  serve an earlier model version again"
	@echo "make clean     remove the virtualenv, caches and local data"

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) "$(TORCH_SPEC)"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

setup: $(BIN)/.installed

run: setup
	$(BIN)/tradeai run $(ARGS)

test: setup
	$(BIN)/pytest -q -n auto $(ARGS)

test-unit: setup
	$(BIN)/pytest -q tests/unit $(ARGS)

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

imports: setup
	$(BIN)/lint-imports

security: setup
	$(BIN)/bandit -q -c pyproject.toml -r src

check: lint typecheck imports security

bench: setup
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

rollback-model: setup
	TRADEAI_BIN=$(BIN)/tradeai infra/scripts/rollback_model.sh "$(TAG)" "$(REASON)"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache data/tradeai.db*
