# One command to try it, one to test it.  Both create .venv and install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/musigen compose "a relaxed bossa-ish jazz tune in F, 90 bpm, piano, upright bass, soft drums, 1 minute" \
		--out out --format mid,wav,json

test: $(STAMP)
	$(BIN)/ruff check musigen_agent tests benchmarks
	$(BIN)/python -m pytest; rc=$$?; [ $$rc -eq 5 ] && echo "no tests collected" && exit 1; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check musigen_agent tests benchmarks
	$(BIN)/ruff format --check musigen_agent tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_core.py

clean:
	rm -rf $(VENV) out build dist *.egg-info
