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

.PHONY: help setup model run test unit console bench retrain rollback clean FORCE
FORCE:
help:
	@echo "make run    - set up, train if there is no model, start the bot (Ctrl-C stops)"
	@echo "make test   - set up, train if needed, run the whole test suite"
	@echo "make console - start only the staff console"
	@echo "make bench  - NLU quality, latency, throughput and resources beside reference peers"
	@echo "make retrain - check FAQ sources, train, evaluate, and go live only if no worse"
	@echo "make rollback - put the previous model back (again to undo)"

setup: $(INSTALLED)

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
$(MODEL): $(TRAINING_INPUTS) | $(INSTALLED)
	@started=$$(date +%s); \
	$(BIN)/rasa train --fixed-model-name clinic-bot --out models --force && \
	echo $$(( $$(date +%s) - started )) > models/train-time.txt
	@$(BIN)/python -m retrain manifest $@
	@touch $@

model: $(MODEL)

# Trains only when there is no model at all: once the bot runs, a new model
# goes live through `make retrain`, which checks it first.
run: $(INSTALLED) $(SPACY_PIPELINE)
	@if [ ! -f $(MODEL) ]; then $(MAKE) --no-print-directory model; fi
	@bash scripts/run.sh

test: $(MODEL)
	@bash scripts/ensure-system-packages.sh $(TEST_SYSTEM_PACKAGES)
	$(BIN)/python -m pytest

# Prints one table; every figure, ours and the references', from the same run.
bench: $(MODEL)
	$(BIN)/python -m benchmarks.bench $(BENCH_ARGS)

# The clinic's way to a new model: checked, judged against the live model, and
# activated in the running server only when no worse (see README).
retrain: $(INSTALLED) $(SPACY_PIPELINE)
	$(BIN)/python -m retrain run $(RETRAIN_ARGS)

rollback: $(INSTALLED)
	$(BIN)/python -m retrain rollback

console: $(INSTALLED)
	$(BIN)/python -m console serve

unit: $(INSTALLED) $(SPACY_PIPELINE)
	$(BIN)/python -m pytest tests/unit

clean:
	rm -rf build models data/generated var .pytest_cache
