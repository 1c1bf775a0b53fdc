# IAM castle: two commands.
#   make lab   - set everything up (first time: a few minutes) and open the course
#   make test  - set everything up and run the whole test suite (what CI runs: .ci/run)
#   make test-fast - the tests that need no browser, no class-sized grading run and no
#                notebook sweep (a few minutes; tests/README.md lists the tiers)
#   make site  - build the browser edition (site/: static files, no install for learners)
#   make lint  - ruff and a type check (mypy) of labkit
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# pytest options for either tier, e.g. make test-fast PYTEST_ARGS="tests/realism -x"
PYTEST_ARGS ?=
FAST   := not browser and not notebooks and not grading_run and not slow
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup lab test test-a test-b test-fast fast-a fast-b lint bench release browser-deps a11y-deps isolation-deps client-deps site clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)

lab: setup isolation-deps
	$(BIN)/labkit lab

browser-deps:
	@scripts/install-chromium.sh

# axe-core from npm (into build/axe): the accessibility audits of the browser tests
# (docs/accessibility.md; skipped with the reason if npm cannot install it)
a11y-deps:
	@scripts/install-axe.sh

# bubblewrap and setpriv: the safety tests, and the jail of every graded submission (labkit grade
# refuses to grade without it)
isolation-deps:
	@scripts/install-isolation-tools.sh

# Debian's AWS CLI v2 and the AWS SDK for JavaScript v3 (into build/js-sdk): the clients
# tests/sandbox/test_any_client.py runs against `labkit serve` (skipped with the reason if they cannot be installed)
client-deps:
	@scripts/install-aws-clients.sh

lint: setup
	$(BIN)/ruff check labkit tests benchmarks scripts browser
	$(BIN)/mypy

site: setup
	$(BIN)/python scripts/build_site.py

release: setup
	$(BIN)/labkit release

# The whole suite as two pytest processes side by side (each a process of its own, as moto's state
# is per process): most of a test's time is spent waiting -- for a kernel, a browser, a jail -- so
# two halves on two cores take about half the time of one; with PYTEST_ARGS, one process.
TEST_A := tests/browser tests/realism tests/teaching tests/editions tests/project
TEST_B := tests/grading tests/sandbox tests/checks tests/notebooks

test: setup browser-deps a11y-deps isolation-deps client-deps lint
	$(BIN)/labkit release --check
ifeq ($(strip $(PYTEST_ARGS)),)
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-a test-b
else
	$(BIN)/python -m pytest $(PYTEST_ARGS)
endif

test-a:
	$(BIN)/python -m pytest -o cache_dir=.pytest_cache/test-a $(TEST_A)

test-b:
	$(BIN)/python -m pytest -o cache_dir=.pytest_cache/test-b $(TEST_B)

# Two pytest processes side by side, each with about half of the tier's time (and a process of
# its own, as moto's state is per process); with PYTEST_ARGS, one process.
FAST_A := tests/realism tests/teaching tests/editions tests/notebooks tests/project
FAST_B := tests/sandbox tests/checks tests/grading

test-fast: setup
ifeq ($(strip $(PYTEST_ARGS)),)
	@$(MAKE) --no-print-directory -j2 --output-sync=target fast-a fast-b
else
	$(BIN)/python -m pytest -m "$(FAST)" $(PYTEST_ARGS)
endif

fast-a:
	$(BIN)/python -m pytest -m "$(FAST)" -o cache_dir=.pytest_cache/a $(FAST_A)

fast-b:
	$(BIN)/python -m pytest -m "$(FAST)" -o cache_dir=.pytest_cache/b $(FAST_B)

bench: setup isolation-deps
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache build site *.egg-info
