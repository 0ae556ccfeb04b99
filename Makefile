# Each target creates the virtual environment on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run demo test test-fast crash-test lint format clean install-service bench bench-real bench-memory bench-latency bench-datasette bench-year bench-cluster score-events

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

## make run: the monitor on config/monitor.toml, database data/monitor.db
run: $(STAMP)
	$(BIN)/newsmon run

## make demo: the whole pipeline offline against the bundled sample site
demo: $(STAMP)
	$(BIN)/newsmon demo

## make test: the test suite (real crawls over 127.0.0.1, real SQLite), in TEST_PROCESSES
## processes (a test module stays in one; TEST_PROCESSES=0: one process)
TEST_PROCESSES ?= 2
test: $(STAMP)
	.ci/debian-deps
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

## make test-fast: the unit tests alone (tests/unit: pure, no I/O), in under 30 seconds
test-fast: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider tests/unit $(PYTEST_ARGS)

## sudo make install-service: venv in /opt/newsmon, config in /etc/newsmon, both units enabled
install-service:
	deploy/install.sh

## make bench: speed against a plain trafilatura loop, 1,000 generated articles (tests/output/bench.json)
bench: $(STAMP)
	$(BIN)/python tests/bench/bench.py $(BENCH_ARGS)

## make bench-real: the same three cases over real outlets' pages cycled to 1,000 URLs (tests/output/bench-real.json)
bench-real: $(STAMP)
	$(BIN)/python tests/bench/bench.py --real $(BENCH_ARGS)

## make crash-test: the daemon SIGKILLed at 100 seeded random moments (CI runs 40)
crash-test: $(STAMP)
	NEWSMON_CRASH_KILLS=100 NEWSMON_CRASH_SEED=7 $(BIN)/pytest -s -p no:cacheprovider tests/system/test_crash.py -k sigkill

## make bench-memory: resident memory over 300 daemon cycles, CPU per idle cycle
bench-memory: $(STAMP)
	$(BIN)/python tests/bench/memory.py 300

## make bench-latency: edit-to-alert delay over 20 scripted edits (median, 95th percentile)
bench-latency: $(STAMP)
	$(BIN)/python tests/bench/latency.py 20

## make bench-datasette: canned queries and timeline over 1,000 articles and 10,000 changes
bench-datasette: $(STAMP)
	$(BIN)/python tests/bench/datasette.py

## make bench-year: a year of data grown in steps, each path timed (YEAR_ARGS="--scale 0.01": quick)
bench-year: $(STAMP)
	$(BIN)/python tests/bench/year.py $(YEAR_ARGS)

## make bench-cluster: pages/s with 1, 2 and 3 crawler processes, the writer's pages/s, the scheduler's ms per due article at 5,000 sources
bench-cluster: $(STAMP)
	$(BIN)/python tests/bench/cluster.py $(BENCH_ARGS)

## make score-events: event grouping scored on the labelled articles of tests/data/events
score-events: $(STAMP)
	$(BIN)/python tests/bench/events.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
