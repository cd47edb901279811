"""The reader's toolbar in the built book: Binder (JupyterLab), Colab, Thebe, download and
repository links point at this repository's notebooks, and every notebook's Colab install
cell installs from the same repository that ``_config.yml`` names."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from book_pages import ROOT, book_config, chapter_notebooks, repository_url
from bs4 import BeautifulSoup

sys.path.insert(0, str(ROOT / "tools"))
from colab_install_cell import TAG, install_source  # noqa: E402

pytestmark = [pytest.mark.book]

NOTEBOOKS = chapter_notebooks()


def _github_parts() -> tuple[str, str, str]:
    url = urlsplit(repository_url())
    assert url.scheme == "https" and url.hostname == "github.com", repository_url()
    org, repo = url.path.strip("/").split("/")
    return org, repo, book_config()["repository"]["branch"]


def _page(book_html: Path, notebook: Path) -> BeautifulSoup:
    html = book_html / notebook.with_suffix(".html")
    assert html.is_file(), f"{notebook} has no page in the book"
    return BeautifulSoup(html.read_text(), "html.parser")


def _hrefs(soup: BeautifulSoup, prefix: str) -> list[str]:
    return [a["href"] for a in soup.find_all("a", href=True) if a["href"].startswith(prefix)]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_binder_and_colab_links_open_this_notebook(book_html, notebook):
    org, repo, branch = _github_parts()
    launch = book_config()["launch_buttons"]
    soup = _page(book_html, notebook)
    path = notebook.as_posix()
    assert _hrefs(soup, launch["binderhub_url"]) == [
        f"https://mybinder.org/v2/gh/{org}/{repo}/{branch}?urlpath=lab/tree/{path}"
    ]
    assert _hrefs(soup, launch["colab_url"]) == [
        f"https://colab.research.google.com/github/{org}/{repo}/blob/{branch}/{path}"
    ]
    # The links name a notebook that exists at that path in the repository.
    assert (ROOT / path).is_file()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_thebe_download_and_repository_buttons(book_html, notebook):
    org, repo, branch = _github_parts()
    soup = _page(book_html, notebook)
    assert soup.select_one("button.btn-launch-thebe") is not None
    thebe = soup.find("script", attrs={"type": "text/x-thebe-config"})
    assert thebe is not None and f'repo: "{org}/{repo}"' in thebe.string
    assert f'ref: "{branch}"' in thebe.string
    assert [a["href"] for a in soup.select("a.btn-source-repository-button")] == [repository_url()]
    # Download: the stored notebook (no outputs), served from the book itself.
    downloads = [a["href"] for a in soup.select("a.btn-download-source-button")]
    assert downloads == [f"{'../' * (len(notebook.parts) - 1)}_sources/{notebook.as_posix()}"]
    served = book_html / "_sources" / notebook
    assert (
        nbformat.read(served, as_version=4).cells
        == nbformat.read(ROOT / notebook, as_version=4).cells
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_colab_cell_comes_first_and_installs_from_the_configured_repository(notebook):
    nb = nbformat.read(ROOT / notebook, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "code"
    assert {"remove-cell", TAG} <= set(first.metadata.get("tags", [])), first.metadata
    # Same text as tools/colab_install_cell.py makes from _config.yml (`make colab-cells`).
    assert first.source == install_source(), "run `make colab-cells` after changing the URL"
    assert f"git+{repository_url()}@" in first.source
    tree = ast.parse(first.source)
    guard = tree.body[0]
    assert isinstance(guard, ast.Try)
    assert [a.name for a in guard.body[0].names] == ["google.colab"]
    assert sum(TAG in c.metadata.get("tags", []) for c in nb.cells) == 1
