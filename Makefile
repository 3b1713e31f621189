# One command to try it, one to test it.  Both create .venv and install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install lint bench browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The core only: what `make demo` needs.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

# Everything the tests exercise: the test tools, the torch backend (CPU wheel) and the semantic matcher.
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test,neural,semantic]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/musigen compose "a relaxed bossa-ish jazz tune in F, 90 bpm, piano, upright bass, soft drums, 1 minute" \
		--out out --format mid,wav,json

# The web-studio test drives Debian's Chromium; install it when we can (root with apt), else say how.
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
		else echo "note: the web-studio test needs Chromium: sudo apt-get install chromium chromium-driver"; fi; \
	fi

test: $(VENV)/.installed-test browser
	$(BIN)/ruff check musigen_agent tests benchmarks
	$(BIN)/python -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 1; fi; exit $$rc

lint: $(VENV)/.installed-test
	$(BIN)/ruff check musigen_agent tests benchmarks
	$(BIN)/ruff format --check musigen_agent tests benchmarks

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_render.py
	$(BIN)/python benchmarks/bench_refine.py
	$(BIN)/python benchmarks/bench_intent.py
	$(BIN)/python benchmarks/bench_quality.py

clean:
	rm -rf $(VENV) out build dist *.egg-info
