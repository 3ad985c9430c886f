# The README's two commands: `make demo` (main job on the embedded defaults) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[excel,notebooks,dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/xlmodel demo

test: $(STAMP)
	$(BIN)/ruff check xlmodel udfs tests bench
	$(BIN)/python -m pytest xlmodel udfs tests README.md

lint: $(STAMP)
	$(BIN)/ruff check xlmodel udfs tests bench

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
