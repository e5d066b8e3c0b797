# Yiwang — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# pytest-xdist workers (auto: one per core); PYTEST_WORKERS=0 runs the suite in one process
PYTEST_WORKERS ?= auto
# a second city on the same machine: `make demo CITY=420700 PORT=8001` (its own ./var-420700)
CITY ?= 420100
ifneq ($(CITY),420100)
export YIWANG_HOME ?= $(CURDIR)/var-$(CITY)
export YIWANG_LEDGER_ORIGIN ?= yiwang.$(CITY)/ledger
export YIWANG_LEDGER_WITNESS_NAME ?= yiwang.$(CITY)/witness
endif
export YIWANG_HOME ?= $(CURDIR)/var
export YIWANG_CITY := $(CITY)
export YIWANG_BASE_URL ?= http://127.0.0.1:$(PORT)
# the demo provincial OpenID Connect provider (统一身份认证, yiwang/provincial_idp.py) `make demo` starts
IDP_PORT ?= $(shell echo $$(($(PORT) + 10)))
IDP_DIR = $(YIWANG_HOME)/provincial_idp

.PHONY: demo pair test install install-dev lint serve bench scaleout clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## demo: set up the embedded database with demo data and serve on 127.0.0.1:$(PORT) with worker and scheduler,
## beside a demo provincial OpenID Connect provider on 127.0.0.1:$(IDP_PORT) (统一身份认证登录, demo people only)
demo: install
	$(BIN)/yiwang migrate --no-input
	$(BIN)/yiwang createcachetable
	$(BIN)/yiwang collectstatic --no-input --verbosity 0
	$(BIN)/yiwang demo_load
	$(BIN)/yiwang demo_idp_people --out $(IDP_DIR)/people.json
	@secret=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(24))'); \
	PROVINCIAL_IDP_CLIENT_SECRET="$$secret" $(BIN)/python -m yiwang.provincial_idp --port $(IDP_PORT) \
	  --people $(IDP_DIR)/people.json --key-dir $(IDP_DIR) --client-id yiwang-demo \
	  --redirect-uri $(YIWANG_BASE_URL)/login/oidc/callback/ --post-logout-uri $(YIWANG_BASE_URL)/ & idp=$$!; \
	trap 'kill $$idp 2>/dev/null' EXIT INT TERM; \
	YIWANG_OIDC_ISSUER=http://127.0.0.1:$(IDP_PORT) YIWANG_OIDC_CLIENT_ID=yiwang-demo \
	YIWANG_OIDC_CLIENT_SECRET="$$secret" $(BIN)/yiwang serve_embedded --port $(PORT)

## pair: exchange keys between the first city (./var, port 8000) and CITY (./var-CITY, PORT), both set up by `make demo`
FIRST_CITY := YIWANG_HOME=$(CURDIR)/var YIWANG_CITY=420100 YIWANG_BASE_URL=http://127.0.0.1:8000 YIWANG_LEDGER_ORIGIN=yiwang.example/ledger YIWANG_LEDGER_WITNESS_NAME=yiwang.example/witness
pair: install
	$(BIN)/yiwang federation card > $(YIWANG_HOME)/card.json
	$(FIRST_CITY) $(BIN)/yiwang federation card > $(CURDIR)/var/card.json
	$(BIN)/yiwang federation pair --card $(CURDIR)/var/card.json
	$(FIRST_CITY) $(BIN)/yiwang federation pair --card $(YIWANG_HOME)/card.json
	$(BIN)/yiwang federation fetch-items
	$(FIRST_CITY) $(BIN)/yiwang federation fetch-items

## test: install dev dependencies and run the whole suite (SQLite; PostgreSQL when DATABASE_URL is set)
test: install-dev
	$(BIN)/ruff check src bench
	$(BIN)/lint-imports
	$(BIN)/yiwang makemigrations --check --dry-run
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check src bench
	$(BIN)/ruff format --check src bench

bench: install-dev
	$(BIN)/python bench/run.py

## scaleout: two app servers behind nginx on this machine, every answer checked, one server killed
## under load (the reduced form CI runs; PostgreSQL in DATABASE_URL, Redis on 127.0.0.1:6379, nginx)
scaleout: install-dev
	$(BIN)/python bench/scaleout.py --ci

clean:
	rm -rf $(VENV) var
