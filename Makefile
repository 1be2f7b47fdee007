# Two commands do all the set-up on a fresh machine:
#   make run    builds .venv (Python >= 3.12), then runs the karabakh_2020 scenario end to end
#   make test   builds .venv, then runs ruff, mypy, the layer check and the whole test suite
#               (what CI runs, via .ci/run)
# For development: make check runs the same checks and the tests not marked slow (no browser,
# notebooks, wheel build or process pools).
# For the worksheets: make lab installs JupyterLab into .venv (once) and opens notebooks/ in it.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LAB_STAMP := $(VENV)/.lab-stamp

.PHONY: run test check lint setup browser clean lab

setup: $(STAMP)

# Reinstall whenever pyproject.toml changes; find-python locates an interpreter >= 3.12.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || "$$(.ci/find-python)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[app,test]'
	@touch $(STAMP)

# The browser test drives Debian's Chromium (Playwright's own browser download does not work
# offline); install it where we may (as root), else that one test skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
		{ apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
		echo "chromium could not be installed: the browser test will be skipped"

# The lab extra on top of the set-up; again whenever the set-up is redone.
$(LAB_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[app,test,lab]'
	@touch $(LAB_STAMP)

# JupyterLab serves on localhost only and opens the browser; Ctrl+C stops it.
lab: $(LAB_STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

run: $(STAMP)
	$(BIN)/alliance-sim run karabakh_2020 --out results/karabakh_2020 --force

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint browser
	$(BIN)/pytest -q

check: lint
	$(BIN)/pytest -q -m "not slow"

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache .hypothesis
