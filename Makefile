# solar2prom — `make demo` to see it run, `make test` to check it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint format bench soak clean

$(BIN)/solar2prom: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

demo: $(BIN)/solar2prom
	$(BIN)/solar2prom demo $(DEMO_ARGS)

test: $(BIN)/solar2prom lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/solar2prom
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(BIN)/solar2prom
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

soak: $(BIN)/solar2prom  # three and a half simulated days of every vendor under injected faults
	$(BIN)/pytest -m soak -s --show-capture=no tests/soak $(PYTEST_ARGS)

bench: $(BIN)/solar2prom  # runs every benchmark, then fails if any of them failed
	@status=0; \
	$(BIN)/python bench/collect_calls.py || status=1; \
	$(BIN)/python bench/metrics_latency.py || status=1; \
	$(BIN)/python bench/backfill.py || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .ruff_cache .pytest_cache test-output
