# `make run` and `make test` set everything up from a fresh clone.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?=
export PYTHON
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL ?= 3
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
export RASA_TELEMETRY_ENABLED ?= false

# The install stamp carries the pins' hash, so editing requirements.txt reinstalls.
INSTALLED := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
SPACY_PIPELINE := build/spacy-en-clinic/meta.json
# Rasa data generated from the clinic's sources (clinic/faqs, clinic/annotations, clinic.yml).
GENERATED := data/generated/faq_nlu.yml data/generated/annotations_nlu.yml \
	data/generated/responses.yml
MODEL := models/clinic-bot.tar.gz
# Debian packages the tests run for real: browser, and the scale-out stack.
TEST_SYSTEM_PACKAGES := chromium:chromium pg_ctlcluster:postgresql \
	redis-server:redis-server nginx:nginx
TRAINING_INPUTS := config.yml domain.yml $(GENERATED) $(SPACY_PIPELINE) clinic/red_flags.yml \
	$(wildcard components/*.py clinicbot/*.py) \
	$(filter-out $(GENERATED),$(wildcard data/*.yml data/*/*.yml))

.PHONY: help setup model run test test-fast unit lint format console bench retrain rollback clean FORCE
.DEFAULT_GOAL := help
FORCE:

# Every target with a "## " comment is listed, so the list cannot miss one.
help: ## this list
	@echo "Usage: make TARGET (see README.md, Development)"
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 14

setup: $(INSTALLED) ## create .venv and install the pinned requirements

$(INSTALLED): requirements.txt scripts/bootstrap-venv.sh scripts/find-python.sh
	@bash scripts/bootstrap-venv.sh $(VENV)
	@rm -f $(VENV)/.installed-* && touch $@

$(SPACY_PIPELINE): clinicbot/spacy_pipeline.py | $(INSTALLED)
	$(BIN)/python -m clinicbot.spacy_pipeline build/spacy-en-clinic

# Always checked and re-generated (cheap); a file is rewritten only when its
# text changes. Problems in the sources stop here, with file and line.
$(GENERATED) &: FORCE | $(INSTALLED)
	@$(BIN)/python -m clinicbot.training_data generate

# Trains only when the training data, domain, config or clinic content changed.
RASA_CLI ?= $(BIN)/rasa
$(MODEL): $(TRAINING_INPUTS) | $(INSTALLED)
	@started=$$(date +%s); \
	$(RASA_CLI) train --fixed-model-name clinic-bot --out models --force && \
	echo $$(( $$(date +%s) - started )) > models/train-time.txt
	@$(BIN)/python -m retrain manifest $@
	@touch $@

model: $(MODEL) ## train the model if training data, domain, config or clinic content changed

# Trains only when there is no model at all: once the bot runs, a new model
# goes live through `make retrain`, which checks it first. Quiet unless
# VERBOSE=1, as scripts/run.sh: no progress bars or INFO logs while it trains.
QUIET_RASA := LOG_LEVEL=WARNING TQDM_DISABLE=1 RASA_CLI="$(BIN)/python scripts/rasa_quietly.py"
run: $(INSTALLED) $(SPACY_PIPELINE) ## set up, train if there is no model, start the bot (Ctrl-C stops; VERBOSE=1 for all logs)
	@if [ ! -f $(MODEL) ]; then \
	  echo "No model yet: training one first (about a minute)."; \
	  $(if $(filter 1,$(VERBOSE)),,$(QUIET_RASA)) $(MAKE) --no-print-directory model; \
	fi
	@bash scripts/run.sh

test: lint $(MODEL) ## lint, then set up, train if needed and run the whole test suite
	@bash scripts/ensure-system-packages.sh $(TEST_SYSTEM_PACKAGES)
	$(BIN)/python -m pytest

# The tests that start no server and do not run the Rasa CLI (pytest.ini markers).
test-fast: $(INSTALLED) $(SPACY_PIPELINE) $(GENERATED) ## the tests that start no server and need no model (about 1,200, one worker per core)
	$(BIN)/python -m pytest -q -n auto -m "not servers and not slow" $(PYTEST_ARGS)

# Settings in pyproject.toml; pins in requirements.txt.
lint: $(INSTALLED) ## ruff (lint and format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(INSTALLED) ## apply ruff format (to the files pyproject.toml does not exclude)
	$(BIN)/ruff format .

# Prints one table; every figure, ours and the references', from the same run.
bench: $(MODEL) ## NLU quality, latency, throughput and resources beside reference peers
	$(BIN)/python -m benchmarks.bench $(BENCH_ARGS)

# The clinic's way to a new model: checked, judged against the live model, and
# activated in the running server only when no worse (see README).
retrain: $(INSTALLED) $(SPACY_PIPELINE) ## check FAQ sources, train, evaluate, go live only if no worse
	$(BIN)/python -m retrain run $(RETRAIN_ARGS)

rollback: $(INSTALLED) ## put the previous model back (again to undo)
	$(BIN)/python -m retrain rollback

console: $(INSTALLED) ## start only the staff console
	$(BIN)/python -m console serve

unit: $(INSTALLED) $(SPACY_PIPELINE) ## only tests/unit
	$(BIN)/python -m pytest tests/unit

clean: ## delete build/, models/, generated data, var/ and caches
	rm -rf build models data/generated var .pytest_cache .mypy_cache .ruff_cache
