# Two commands do all the set-up on a fresh machine:
#   make book   build the HTML book (prints the path of index.html)
#   make test   run the whole test suite, lint included
# Both create .venv on first use and reinstall only when a requirements file changes.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BOOK_STAMP := $(VENV)/.book-installed
TEST_STAMP := $(VENV)/.test-installed

.PHONY: book test lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(BOOK_STAMP): requirements.txt pyproject.toml | $(PY)
	$(PY) -m pip install -r requirements.txt -e .
	touch $@

$(TEST_STAMP): $(BOOK_STAMP) requirements-dev.txt
	$(PY) -m pip install -r requirements-dev.txt
	touch $@

book: $(BOOK_STAMP)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(PY) -m pytest

clean:
	rm -rf _build
