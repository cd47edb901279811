"""The classroom PDF (``make pdf``): it builds with Debian's TeX, has every chapter, and shows
the steppers as their static PNG, never a dump of widget or HTML reprs.

The PDF is built once per session with jupyter-book's pdflatex builder (about a minute). Set
``BOOK_PDF`` to an existing ``book.pdf`` to reuse it while developing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import nbformat
import pytest
from book_pages import ROOT, book_config, chapter_notebooks, notebook_title

pytestmark = [pytest.mark.pdf]

# Text that only a widget's or an HTML player's fallback repr would put on a page.
REPR_PATTERNS = [
    r"IntSlider\(",
    r"\w*Slider\(",
    r"\b[VH]Box\(",
    r"\bButton\(",
    r"\bLayout\(",
    r"\bPlay\(",
    r"\bOutput\(\)",
    r"widget-view\+json",
    r"<(div|script|style|button)\b",
    r"IPython\.core\.display\.HTML object",
]


@pytest.fixture(scope="session")
def book_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reuse = os.environ.get("BOOK_PDF")
    if reuse:
        return Path(reuse)
    assert shutil.which("latexmk") and shutil.which("xelatex"), (
        "Debian's TeX is missing: run `make tex-deps` (apt-get installs it)"
    )
    out = tmp_path_factory.mktemp("pdf")
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(ROOT), "--builder", "pdflatex", "--path-output", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=1200)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-5000:]
    target = book_config()["latex"]["latex_documents"]["targetname"]
    return out / "_build" / "latex" / Path(target).with_suffix(".pdf").name


def _pdf_text(pdf: Path) -> str:
    assert shutil.which("pdftotext"), "pdftotext is missing: apt-get install -y poppler-utils"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    # NFKC undoes ligatures such as "fi"; titles may wrap, so compare on single spaces.
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))


def _page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, flags=re.MULTILINE).group(1))


def test_pdf_has_every_chapter(book_pdf):
    assert book_pdf.is_file() and book_pdf.stat().st_size > 10_000, book_pdf
    text = _pdf_text(book_pdf).casefold()
    titles = [notebook_title(nb) for nb in chapter_notebooks()]
    missing = [t for t in titles if re.sub(r"\s+", " ", t).casefold() not in text]
    assert not missing, f"chapter titles missing from the PDF: {missing}"
    assert book_config()["title"].casefold() in text
    # The landing page is front matter: the first chapter of the contents is numbered 1.
    first = re.sub(r"\s+", " ", titles[0]).casefold()
    assert re.search(rf"contents 1 {re.escape(first)}", text), "chapter 1 is not the first chapter"
    print(f"{book_pdf}: {_page_count(book_pdf)} pages, chapters {titles}")


def test_pdf_has_no_widget_or_html_repr(book_pdf):
    text = _pdf_text(book_pdf)
    found = {p: re.findall(p, text)[:3] for p in REPR_PATTERNS if re.search(p, text)}
    assert not found, f"widget or HTML reprs printed in the PDF: {found}"


def test_pdf_shows_figures_where_the_chapters_draw(book_pdf):
    """The steppers and plots reach the PDF as images (the PNG fallback), so a book whose
    notebooks draw must have images in its PDF."""
    sources = " ".join(
        cell.source
        for nb in chapter_notebooks()
        for cell in nbformat.read(ROOT / nb, as_version=4).cells
        if cell.cell_type == "code"
    )
    draws = re.search(r"stepper|Stepper|plt\.|plot_|show_", sources)
    listing = subprocess.run(
        ["pdfimages", "-list", str(book_pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    if draws:
        assert listing, f"the notebooks draw ({draws.group(0)!r}) but the PDF has no image"
    print(f"{len(listing)} images in the PDF")
