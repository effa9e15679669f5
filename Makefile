# make demo: set up .venv if missing, write the synthetic infected backup, check it.
# make test: set up .venv if missing, run ruff, mypy and every test. The report's browser tests
#   need Chromium and chromedriver: installed with apt-get when missing and run as root (CI),
#   else make stops and says what to install; pytest then fails, never skips, a browser test.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
DEMO_DIR ?= demo-out

SCALE ?= 1
RUNS ?= 3

.PHONY: demo test lint typecheck unit browser bench bench-mvt clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	rm -rf $(DEMO_DIR)
	$(BIN)/tracehound demo $(DEMO_DIR)/backup
	@status=0; $(BIN)/tracehound check $(DEMO_DIR)/backup --output $(DEMO_DIR)/results || status=$$?; \
	if [ $$status -ne 1 ]; then echo "demo: expected exit code 1 (detections), got $$status"; exit 1; fi; \
	echo "demo: exit code 1 as expected; results in $(DEMO_DIR)/results"; \
	echo "demo: case report: $(DEMO_DIR)/results/report.html"

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(BIN)/.installed
	$(BIN)/mypy

unit: $(BIN)/.installed
	$(BIN)/pytest

# Debian's packages (chromium, chromium-driver), as CI has always installed them.
BROWSER_PACKAGES := chromium chromium-driver
HAVE_BROWSER := command -v chromium >/dev/null && command -v chromedriver >/dev/null

browser:
	@if ! { $(HAVE_BROWSER); }; then \
	  if [ "$$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then \
	    echo "make test: the report's browser tests need chromium and chromedriver; install them (Debian/Ubuntu: sudo apt-get install $(BROWSER_PACKAGES)) and run make test again" >&2; \
	    exit 1; \
	  fi; \
	  echo "make test: installing $(BROWSER_PACKAGES) with apt-get for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
	  $(HAVE_BROWSER) || { echo "make test: apt-get did not provide chromium and chromedriver" >&2; exit 1; }; \
	fi

test: lint typecheck browser
	TRACEHOUND_REQUIRE_BROWSER=1 $(BIN)/pytest

bench: $(BIN)/.installed
	$(BIN)/python bench/bench_iocs.py

# make bench-mvt SCALE=10 RUNS=3: tracehound vs MVT 2026.10.26 on a generated backup (MVT is
# installed from PyPI into bench/.venv-mvt the first time).
bench-mvt: $(BIN)/.installed
	$(BIN)/python bench/run_bench.py --scale $(SCALE) --runs $(RUNS)

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
