# Klasterių CRM — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-requirements
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install messages migrate demo bench lint format clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	cp requirements.txt $(STAMP)

install: $(STAMP)

# Compiled catalogues (.mo) are built, not committed. GNU gettext when present, Babel otherwise.
messages: install
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=staticfiles --verbosity 0; \
	else \
		$(BIN)/pybabel compile --domain "django djangojs" --directory locale --statistics; \
	fi

migrate: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput

# Links in the demo's e-mails lead to the address served (`make run PORT=8001` included).
DEMO_ENV := DEBUG=true SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)}

demo: migrate messages
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	$(DEMO_ENV) $(BIN)/python manage.py ensure_demo_staff --url http://$(HOST):$(PORT)
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo_papers

run: demo
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install messages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install messages
	$(BIN)/python -m bench.run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
