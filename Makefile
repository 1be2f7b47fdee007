# Two commands do all the set-up on a fresh machine:
#   make run    builds .venv (Python >= 3.12), then runs the karabakh_2020 scenario end to end
#   make test   builds .venv, then runs ruff and the test suite (what CI runs, via .ci/run)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test setup clean

setup: $(STAMP)

# Reinstall whenever pyproject.toml changes; find-python locates an interpreter >= 3.12.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || "$$(.ci/find-python)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/alliance-sim run karabakh_2020 --out results/karabakh_2020 --force

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache .hypothesis
