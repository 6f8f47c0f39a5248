# `make demo` and `make test` work on a fresh Debian machine with Python 3.11 (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export BEFFROI_DATA_DIR ?= $(CURDIR)/data

.PHONY: install system-deps demo test lint typecheck pytest clean

$(BIN)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . 2>/dev/null || $(BIN)/pip install -q --no-deps -e .
	touch $@

install: $(BIN)/.installed

system-deps:
	./scripts/system-deps.sh

demo: install system-deps
	$(BIN)/beffroi migrate
	$(BIN)/beffroi demo
	@echo "Beffroi : http://127.0.0.1:8000/  — identifiants ci-dessus, mot de passe beffroi-demo"
	$(BIN)/beffroi serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: install
	$(BIN)/mypy

# The suite on SQLite and, when BEFFROI_TEST_POSTGRES_URL is set, the database tests on PostgreSQL
# at the same time (scripts/run-tests.sh).
pytest: install system-deps
	./scripts/run-tests.sh

test: lint typecheck pytest

clean:
	rm -rf $(VENV) build src/*.egg-info
