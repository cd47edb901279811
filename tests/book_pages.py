"""What the tests of the reader's routes (HTML, Binder, Colab, JupyterLab, PDF) need to know
about the book: its chapter notebooks in reading order, their titles, and the repository URL,
all read from the book's own files (``_toc.yml``, the notebooks, ``_config.yml``)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
# A style sheet that renders every block the pages skip while it is far from the window
# (content-visibility in _assets/speed.css), for checks that need every block's layout.
RENDER_EVERY_BLOCK = ".bd-article * { content-visibility: visible !important; }"


def _toc_files(node: object) -> list[str]:
    """Every ``file:`` entry of a table of contents node, in order."""
    if isinstance(node, dict):
        found = [str(node["file"])] if "file" in node else []
        return found + [f for value in node.values() for f in _toc_files(value)]
    if isinstance(node, list):
        return [f for item in node for f in _toc_files(item)]
    return []


def chapter_notebooks() -> list[Path]:
    """The notebooks of ``_toc.yml``, in reading order (paths relative to the repository)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = dict.fromkeys(_toc_files(toc))
    notebooks = [
        Path(f).with_suffix(".ipynb") for f in files if (ROOT / f).with_suffix(".ipynb").exists()
    ]
    assert notebooks, "the table of contents lists no notebook that exists"
    return notebooks


def notebook_title(path: Path) -> str:
    """The first ``# heading`` of a notebook, without Markdown emphasis or code marks."""
    nb = nbformat.read(ROOT / path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, flags=re.MULTILINE)
            if match:
                return re.sub(r"[*_`]", "", match.group(1)).strip()
    raise AssertionError(f"{path} has no '# title' heading")


def book_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def repository_url() -> str:
    """The repository URL of ``_config.yml`` (the one place it is set), without a slash at
    the end."""
    return book_config()["repository"]["url"].rstrip("/")
