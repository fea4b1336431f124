# Consent Portal. The two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LANGS := cy pl ro uk so ar ur bn pa
export FLASK_APP := portal

.PHONY: run test test-postgres lint typecheck translations translations-extract translations-update translations-compile translations-check bench clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/activate

run: $(BIN)/activate translations-compile
	$(BIN)/flask db upgrade
	$(BIN)/flask policy load packs/harbour-lane
	$(BIN)/flask demo load
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# The whole suite on SQLite (PostgreSQL when PORTAL_DATABASE_URL names one).
# pytest's exit code 5 ("no tests ran") is turned into a failure, never a pass.
test: $(BIN)/activate translations-compile
	@$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest ran no tests: that is a failure"; exit 1; fi; \
	exit $$status

lint: $(BIN)/activate
	$(BIN)/ruff check portal tests bench migrations
	$(BIN)/mypy

typecheck: $(BIN)/activate
	$(BIN)/mypy

translations-extract: $(BIN)/activate
	$(BIN)/pybabel extract -F translations/babel.cfg -k _l -k lazy_gettext \
	  --no-location --sort-output --omit-header -o translations/messages.pot .

translations-update: translations-extract
	for lang in $(LANGS); do \
	  if [ -f translations/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations -l $$lang; \
	  else \
	    $(BIN)/pybabel init -i translations/messages.pot -d translations -l $$lang; \
	    sed -i '0,/^#, fuzzy$$/{/^#, fuzzy$$/d}' translations/$$lang/LC_MESSAGES/messages.po; \
	  fi; \
	done

translations-compile: $(BIN)/activate
	$(BIN)/pybabel compile -d translations

translations: translations-update translations-compile

# Fails if the templates or code hold a string the catalog does not.
translations-check: $(BIN)/activate
	$(BIN)/python -m pytest -q tests/test_translations.py

bench: $(BIN)/activate
	$(BIN)/python bench/sign_in.py
	$(BIN)/python bench/workspace.py

clean:
	rm -rf $(VENV) instance/*.db
