"""Every chapter notebook runs headless in a real kernel and is stored clean.

The notebooks are executed with nbclient and a real python3 kernel, from ``chapters/`` as
the book build runs them. Notebooks are committed without outputs or execution counts (the
build executes them), with python3 kernelspec metadata so every front end picks a kernel.
The issue sets a budget of 30 s per notebook; the chapters need a few seconds, so the check
is a ceiling against a runaway cell, not a performance measurement (that lives in
``benchmarks/``). How long each took is printed (``pytest -s``).
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes_without_errors(path: Path):
    nb = nbformat.read(path, as_version=4)
    # A cell that raises makes execute() raise CellExecutionError, failing the test.
    # Per-cell timeout and whole-notebook budget: both 30 s, several times what a chapter needs.
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=30,
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
    assert seconds < 30, f"{path.name} took {seconds:.1f} s to execute (limit 30 s)"
