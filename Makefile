# Two commands do all the set-up on a fresh machine:
#   make book   build the HTML book (prints the path of index.html)
#   make test   run the whole test suite, lint included
#   make bench  run every benchmark under benchmarks/, print one table (_build/benchmarks.json)
#   make lab    (optional) open the chapters in JupyterLab from .venv
#   make pdf    (optional) build the PDF with Debian's TeX (installs it with apt when missing)
# Both create .venv on first use and reinstall only when a requirements file changes.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BOOK_STAMP := $(VENV)/.book-installed
TEST_STAMP := $(VENV)/.test-installed

# MathJax is served from the book's own _static/ (no CDN): npm fetches it once into _vendor/,
# which _config.yml adds to html_static_path. Pinned so every build ships the same files.
MATHJAX_VERSION := 3.2.2
MATHJAX := _vendor/static/mathjax/tex-chtml.js
# Debian's TeX for `make pdf` (jupyter-book's pdflatex builder, run with xelatex) and
# poppler-utils for tests/test_pdf.py. .ci/run installs them with `make tex-deps`.
TEX_PACKAGES := latexmk texlive-xetex texlive-latex-recommended texlive-latex-extra \
	texlive-fonts-recommended texlive-plain-generic lmodern fonts-freefont-otf tex-gyre xindy \
	poppler-utils
# Everything else the test suite needs from Debian: the real browser (and npm for MathJax,
# installed only when no npm is on the PATH: a machine's own Node.js must not be replaced).
TEST_PACKAGES := chromium $(TEX_PACKAGES)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FIRST_CHAPTER := chapters/multiple_input_channels.ipynb

.PHONY: book test lint clean vendor lab pdf tex-deps system-deps colab-cells

$(PY):
	$(PYTHON) -m venv $(VENV)

$(BOOK_STAMP): requirements.txt pyproject.toml | $(PY)
	$(PY) -m pip install -r requirements.txt -e .
	touch $@

$(TEST_STAMP): $(BOOK_STAMP) requirements-dev.txt
	$(PY) -m pip install -r requirements-dev.txt
	touch $@

$(MATHJAX):
	npm install --prefix _vendor/npm --no-save --no-audit --no-fund --loglevel=error \
		mathjax@$(MATHJAX_VERSION)
	rm -rf _vendor/static/mathjax
	mkdir -p _vendor/static
	cp -r _vendor/npm/node_modules/mathjax/es5 _vendor/static/mathjax

vendor: $(MATHJAX)

book: $(BOOK_STAMP) $(MATHJAX)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint system-deps $(MATHJAX)
	$(PY) -m pytest

lab: $(TEST_STAMP)
	$(VENV)/bin/jupyter lab $(if $(SUDO),,--allow-root) $(FIRST_CHAPTER)

# After changing repository.url in _config.yml: refresh every notebook's Colab install cell.
colab-cells: $(BOOK_STAMP)
	$(PY) tools/colab_install_cell.py

tex-deps:
	dpkg -s $(TEX_PACKAGES) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES); }

# Debian packages of the test suite, installed with apt only when one is missing.
system-deps:
	missing="$$(command -v npm >/dev/null || echo npm)"; \
	dpkg -s $(TEST_PACKAGES) >/dev/null 2>&1 || missing="$$missing $(TEST_PACKAGES)"; \
	[ -z "$$missing" ] || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends $$missing; }

pdf: $(BOOK_STAMP) $(MATHJAX) tex-deps
	$(VENV)/bin/jupyter-book build . --builder pdflatex
	@echo "The PDF is built: $(CURDIR)/_build/latex/book.pdf"

# Every script under benchmarks/, with the same set-up as `make test`: one table, also saved to
# _build/benchmarks.json (README, "Performance").
.PHONY: bench
bench: $(TEST_STAMP) $(MATHJAX)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf _build

# ---- Issue 13 (helper "speed"): math at build time, Lighthouse and axe-core, `make serve` ----
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
# What the targets above need from this block (extra prerequisites; their recipes are above).
vendor book pdf: $(KATEX_CSS)
test bench: $(KATEX_CSS)

# The built book on http://127.0.0.1:<free port>/, gzipped like a web host (tools/serve.py).
serve:
	@test -f _build/html/index.html || $(MAKE) book
	$(PY) tools/serve.py _build/html
