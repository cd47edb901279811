# Two commands do all the set-up on a fresh machine:
#   make book    build the HTML book (prints the path of index.html)
#   make test    everything: lint and the whole pytest suite (what .ci/run and CI run)
# Optional:
#   make check   the fast loop: lint and the tests that need only Python (about a minute)
#   make lab     open the chapters in JupyterLab from .venv
#   make pdf     build the PDF with Debian's TeX
#   make bench   run every benchmark, print one table, write benchmarks/README.md
#   make readme-picture   redraw docs/stepper.png (the stepper in the built chapter 1)
#   make serve   serve the built book on localhost with gzip, as a web host would
#   make screenshots   every page at 375/768/1280 px, light and dark, in _build/screenshots/
# Each creates .venv on first use and reinstalls only when a requirements file changes.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BOOK_STAMP := $(VENV)/.book-installed
TEST_STAMP := $(VENV)/.test-installed
FIRST_CHAPTER := chapters/multiple_input_channels.ipynb
.DEFAULT_GOAL := book

# ---------------------------------------------------------------------------------------------

# ---- npm packages vendored into _vendor/ (math at build time, Lighthouse, axe-core) ----
# KaTeX's CSS and fonts for math typeset when the book builds (sphinxcontrib-katex prerenders
# with node and the katex.min.js it bundles: keep KATEX_VERSION equal to that bundle's,
# 0.16.22 in sphinxcontrib-katex 0.9.11). Only the woff2 fonts are shipped (every browser that
# runs the book reads them), and katex.min.css is trimmed to name only those.
# Lighthouse 12.2.3 (13 needs a newer Node) for benchmarks/bench_pages.py, axe-core for
# tests/test_axe.py. All pinned, installed once into _vendor/npm by one npm command (npm
# removes from node_modules what a command does not name).
KATEX_VERSION := 0.16.22
LIGHTHOUSE_VERSION := 12.2.3
AXE_VERSION := 4.10.2
NPM_STAMP := _vendor/npm/.speed-$(KATEX_VERSION)-$(LIGHTHOUSE_VERSION)-$(AXE_VERSION)
KATEX_CSS := _vendor/katex/katex.min.css

.PHONY: npm-vendor serve
$(NPM_STAMP):
	npm install --prefix _vendor/npm --no-save --no-audit --no-fund --loglevel=error -E \
		katex@$(KATEX_VERSION) lighthouse@$(LIGHTHOUSE_VERSION) axe-core@$(AXE_VERSION)
	touch $@
$(KATEX_CSS): $(NPM_STAMP)
	rm -rf _vendor/katex && mkdir -p _vendor/katex/fonts
	cp _vendor/npm/node_modules/katex/dist/fonts/*.woff2 _vendor/katex/fonts/
	sed -E 's/,url\(fonts\/[^)]*\.(woff|ttf)\) format\("(woff|truetype)"\)//g' \
		_vendor/npm/node_modules/katex/dist/katex.min.css > $@
npm-vendor: $(KATEX_CSS)

# What each command needs from the system, checked before anything else runs (target
# `deps-<name>`). An entry is `command:debian-package` (present when the command is on the
# PATH) or a bare `debian-package` with no command of its own (checked with `dpkg -s`, when
# dpkg exists). A missing entry is installed with apt as root or through passwordless sudo;
# otherwise the command stops with one line naming the packages and the apt command to run.
# To add a tool to a command, add an entry to its variable here; nothing else changes.
#
# node: sphinxcontrib-katex typesets every formula when the book builds by running the KaTeX
#   it bundles under node (pages then carry no typesetting script). npm: KaTeX's CSS and fonts
#   (no Python wheel ships them at the bundled version), axe-core for the accessibility tests
#   and Lighthouse for `make bench`, pinned and fetched once into _vendor/.
# chromium: the browser tests and benchmarks drive a real browser; `playwright install`
#   downloads from a CDN, Debian's package comes through apt like everything else.
# TeX: the PDF is LaTeX (jupyter-book's pdflatex builder, run with xelatex); nothing in Python
#   replaces it. poppler-utils: pdftotext/pdfimages, with which tests/test_pdf.py reads it.
BOOK_DEPS  := node:nodejs npm:npm
TEX_DEPS   := latexmk:latexmk xelatex:texlive-xetex xindy:xindy texlive-latex-recommended \
	texlive-latex-extra texlive-fonts-recommended texlive-plain-generic lmodern \
	fonts-freefont-otf tex-gyre
PDF_DEPS   := $(BOOK_DEPS) $(TEX_DEPS)
BENCH_DEPS := $(BOOK_DEPS) chromium:chromium
TEST_DEPS  := $(BOOK_DEPS) chromium:chromium $(TEX_DEPS) pdftotext:poppler-utils
CHECK_DEPS :=

# $(call check-deps,command,entries). SYSTEM_DEPS_DRY_RUN=1 prints the apt command instead of
# running it (tests/test_system_deps.py).
define check-deps
@missing=""; for e in $(2); do \
	cmd="$${e%%:*}"; pkg="$${e#*:}"; \
	if [ "$$cmd" != "$$e" ]; then command -v "$$cmd" >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	elif command -v dpkg >/dev/null 2>&1; then dpkg -s "$$e" >/dev/null 2>&1 || missing="$$missing $$e"; fi; \
done; \
[ -z "$$missing" ] && exit 0; missing="$${missing# }"; \
if [ "$$(id -u)" = 0 ]; then sudo=""; \
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo "; \
else sudo="-"; fi; \
if [ "$$sudo" = "-" ] || ! command -v apt-get >/dev/null 2>&1; then \
	echo "make $(1) needs the Debian packages: $$missing; run: sudo apt-get install -y $$missing (or your system's equivalent), then make $(1) again" >&2; \
	exit 1; fi; \
run="$${sudo}apt-get update -qq && $${sudo}apt-get install -y -qq --no-install-recommends $$missing"; \
if [ -n "$(SYSTEM_DEPS_DRY_RUN)" ]; then echo "make $(1) would run: $$run"; exit 1; fi; \
echo "make $(1): installing $$missing with apt"; \
DEBIAN_FRONTEND=noninteractive sh -c "$$run"
endef

.PHONY: deps-book deps-test deps-pdf deps-bench deps-check
deps-book:  ; $(call check-deps,book,$(BOOK_DEPS))
deps-test:  ; $(call check-deps,test,$(TEST_DEPS))
deps-pdf:   ; $(call check-deps,pdf,$(PDF_DEPS))
deps-bench: ; $(call check-deps,bench,$(BENCH_DEPS))
deps-check: ; $(call check-deps,check,$(CHECK_DEPS))
# Older names, kept for scripts and messages that use them.
.PHONY: tex-deps system-deps
tex-deps: deps-pdf
system-deps: deps-test
# ---------------------------------------------------------------------------------------------

.PHONY: book test check lint clean vendor lab pdf bench readme-picture colab-cells

$(PY):
	$(PYTHON) -m venv $(VENV)

$(BOOK_STAMP): requirements.txt pyproject.toml | $(PY)
	$(PY) -m pip install -r requirements.txt -e .
	touch $@

$(TEST_STAMP): $(BOOK_STAMP) requirements-dev.txt
	$(PY) -m pip install -r requirements-dev.txt
	touch $@

vendor: deps-book $(KATEX_CSS)

# In every target the deps-* check comes first: make runs prerequisites left to right.
book: deps-book $(BOOK_STAMP) $(KATEX_CSS)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Markers (pyproject.toml) name what a test needs beyond Python; `check` runs none of them.
FAST_TESTS := not (browser or lab or binder or pdf or book)

check: deps-check lint
	$(PY) -m pytest -m "$(FAST_TESTS)"

test: deps-test lint $(KATEX_CSS)
	$(PY) -m pytest

lab: $(TEST_STAMP)
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(FIRST_CHAPTER)

# After changing repository.url in _config.yml: refresh every notebook's Colab install cell.
colab-cells: $(BOOK_STAMP)
	$(PY) tools/colab_install_cell.py

pdf: deps-pdf $(BOOK_STAMP) $(KATEX_CSS)
	$(VENV)/bin/jupyter-book build . --builder pdflatex
	@echo "The PDF is built: $(CURDIR)/_build/latex/book.pdf"

# Every script under benchmarks/, with the same set-up as `make test`: one table, saved to
# _build/benchmarks.json and written to benchmarks/README.md.
bench: deps-bench $(TEST_STAMP) $(KATEX_CSS)
	$(PY) benchmarks/run_all.py

# The README's picture: the first stepper of the built chapter 1, screenshot in Chromium.
readme-picture: deps-bench book $(TEST_STAMP)
	$(PY) docs/stepper_picture.py _build/html docs/stepper.png

clean:
	rm -rf _build

# Every page of the built book at 375, 768 and 1280 px, light and dark, as full-page PNGs in
# _build/screenshots/ for a person to review (tools/screenshots.py; Playwright + Chromium).
.PHONY: screenshots
screenshots: book $(TEST_STAMP)
	$(PY) tools/screenshots.py

# The built book on http://127.0.0.1:<free port>/, gzipped like a web host (tools/serve.py).
serve:
	@test -f _build/html/index.html || $(MAKE) book
	$(PY) tools/serve.py _build/html
