# briefpress: `make` builds every brief, `make test` runs the tests.
# Both set up what they need on first use: Debian packages (scripts/setup-system.sh)
# and a virtual environment in .venv with briefpress installed in it.

SHELL := /bin/bash
.DELETE_ON_ERROR:
.SUFFIXES:
# Independent outputs are built side by side, one job per core; each job's messages
# are printed together.
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2) --output-sync=target
# The fresh check runs for minutes: its progress is shown as it goes.
ifeq ($(MAKECMDGOALS),fresh-check)
MAKEFLAGS += --output-sync=none
endif

PYTHON ?= python3
VENV := .venv
BRIEFPRESS := $(VENV)/bin/briefpress
OUT := build

all: briefs

# --- set-up ------------------------------------------------------------------------
$(VENV)/.system-build: scripts/setup-system.sh
	@scripts/setup-system.sh build
	@mkdir -p $(VENV) && touch $@

# After the build packages, never beside them: two apt-gets at once fail on apt's lock.
$(VENV)/.system-test: scripts/setup-system.sh | $(VENV)/.system-build
	@scripts/setup-system.sh test
	@mkdir -p $(VENV) && touch $@

$(VENV)/.installed: pyproject.toml | $(VENV)/.system-build
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install -q --upgrade pip >/dev/null
	@$(VENV)/bin/python -m pip install -q -e '.[test]'
	@touch $@

# An editable install has no bytecode of briefpress's own modules, and where
# PYTHONDONTWRITEBYTECODE is set (as on these machines) Python never writes it: every
# briefpress process would compile its modules again (0.1 s). Compiled once per change.
CODE := $(wildcard src/briefpress/*.py src/briefpress/*/*.py)
$(VENV)/.bytecode: $(CODE) | $(VENV)/.installed
	@$(VENV)/bin/python -m compileall -q src/briefpress
	@touch $@

# The Node checkers of the tests (DAISY Ace, axe-core), at the versions node/package-lock.json pins;
# they drive Debian's chromium, so no browser of their own is downloaded.
node/node_modules/.installed: node/package.json node/package-lock.json | $(VENV)/.system-test
	@ELECTRON_SKIP_BINARY_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 \
		npm ci --prefix node --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

setup: $(VENV)/.installed $(VENV)/.bytecode $(VENV)/.system-test node/node_modules/.installed

# --- briefs ----------------------------------------------------------------------------
# briefpress writes the rules: one group of outputs per brief and language, each
# depending on exactly the files it is made from (brief folder, its catalogs, the
# templates, the code), so a PO change rebuilds only that language. A group's recipe
# only queues it (a line in $(OUT)/.queue, and a stamp in $(OUT)/.stamps); the
# listings' rule, which depends on every group, then runs one warm
# `briefpress build --queue`: WeasyPrint and briefpress imported once, each brief parsed
# once, the editions laid out by workers forked from it (one per core), then the listings.
# make remakes this included file first when a brief, a language or a template is
# added or changed, then restarts with the fresh rules.
# On a fresh build folder, a plain `make` has every group to build: `rules --build` builds
# them too, in the same process, and stamps them (not for -n, -q or -t, nor for other
# goals). The flags are read as make parses this file: while it remakes an included
# makefile, make runs that recipe without them.
MAKE_FLAGS := $(firstword -$(MAKEFLAGS))
BOOTSTRAP := $(if $(findstring n,$(MAKE_FLAGS))$(findstring q,$(MAKE_FLAGS))$(findstring \
	t,$(MAKE_FLAGS)),,$(if $(filter-out all briefs all-outputs,$(MAKECMDGOALS)),,--build))
$(OUT)/rules.mk: $(wildcard content/*/brief.md content/* locales/*/LC_MESSAGES templates) \
		| $(VENV)/.installed $(VENV)/.bytecode
	@mkdir -p $(OUT)
	@# exit 1: a brief is broken; its rule reports it, so `make -k` builds the others
	@$(BRIEFPRESS) rules --out $(OUT) $(BOOTSTRAP) > $@.tmp; rc=$$?; \
		if [ $$rc -le 1 ]; then mv $@.tmp $@; else rm -f $@.tmp; exit $$rc; fi

ifeq ($(filter setup clean test bench check fresh-check,$(MAKECMDGOALS)),)
-include $(OUT)/rules.mk
endif

briefs: all-outputs

# rules.mk adds the outputs; naming it here too makes a failed set-up or a broken brief
# fail `make` instead of leaving it with nothing to do.
all-outputs: $(OUT)/rules.mk

# --- checks ------------------------------------------------------------------------
test: setup
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

check: $(VENV)/.installed
	$(BRIEFPRESS) check

bench: setup
	@$(VENV)/bin/python -m pip install -q -e '.[test,bench]'
	$(VENV)/bin/python bench/run.py

# `make` then `make test` from a clean clone of HEAD, on a minimal Debian 12 made with
# debootstrap (as root; takes minutes; see the script).
fresh-check:
	scripts/fresh-check.sh

clean:
	rm -rf $(OUT)

.PHONY: all briefs setup test check bench clean all-outputs fresh-check
