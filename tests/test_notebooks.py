"""Every chapter notebook runs headless in a real kernel and is stored clean.

The notebooks are executed with nbclient and a real python3 kernel, from ``chapters/`` as
the book build runs them. Notebooks are committed without outputs or execution counts (the
build executes them), with python3 kernelspec metadata so every front end picks a kernel.
No test fails on time: the per-cell limit is the build's own (``execute.timeout`` in
``_config.yml``), and how long a notebook takes is measured by ``make bench``
(``benchmarks/bench_reader_waits.py``). How long each took is printed (``pytest -s``).
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from book_pages import book_config
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))
# The chapter pages of the table of contents, besides the exercises.
CHAPTER_PAGES = [
    "multiple_input_channels",
    "multiple_output_channels",
    "one_by_one_convolution",
    "summary",
]


def test_the_chapter_notebooks_exist():
    names = {p.stem for p in NOTEBOOKS}
    assert set(CHAPTER_PAGES) | {"exercises"} <= names, sorted(names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} keep outputs or execution counts"
    spec = nb.metadata.get("kernelspec", {})
    assert spec.get("name") == "python3" and spec.get("language") == "python", spec


# Running the notebooks is what the book build does: the `book` tier, not `make check`.
@pytest.mark.book
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes_without_errors(path: Path):
    nb = nbformat.read(path, as_version=4)
    # A cell that raises makes execute() raise CellExecutionError, failing the test. The
    # per-cell limit is the build's, so a notebook the book builds never fails here on time.
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=book_config()["execute"]["timeout"],
        allow_errors=False,
        resources={"metadata": {"path": str(CHAPTERS)}},
    )
    start = time.monotonic()
    client.execute()
    seconds = time.monotonic() - start
    print(f"{path.name}: executed in {seconds:.1f} s")
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]
    assert not errors
