# tipdata — the two set-up commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SERVE  ?= 1
HOME_DIR ?= var
# pytest-xdist workers of `make test` (0: one process); whole modules go to a worker.
TEST_WORKERS ?= 2
export TIPDATA_HOME ?= $(HOME_DIR)

.PHONY: demo test lint typecheck install install-test browser benchmark clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test browser

# Browser tests drive Debian's Chromium (never a downloaded browser) with Khmer fonts.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "khmer os"; then \
		echo "installing chromium and fonts-khmeros (Debian packages) for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-khmeros >/dev/null; \
	fi

demo: install
	$(BIN)/tipdata demo run --home $(TIPDATA_HOME) $(if $(filter 0,$(SERVE)),--no-serve,--serve)

lint: install-test
	$(BIN)/ruff check tipdata tests benchmarks
	$(BIN)/ruff format --check tipdata tests benchmarks
	$(BIN)/lint-imports --no-logo

typecheck: install-test
	$(BIN)/mypy

# Bytecode is cached for the suite even where the environment turns it off
# (PYTHONDONTWRITEBYTECODE=1): each worker and each test subprocess would compile
# tipdata again (about 13 s CPU cold against 7.5 s cached for one collection).
test: install-test lint typecheck
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadscope

benchmark: install-test
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .grimp_cache
