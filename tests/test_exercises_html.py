"""The built exercises page: six exercises, each followed by its own solution in a dropdown,
and the measured cost-growth figure with alt text."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest


class _Blocks(HTMLParser):
    """Collects the exercise and solution blocks (in page order), the executed code cells
    inside each block (cells with an output), and every image."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[dict] = []
        self.images: list[dict] = []
        self._open: list[tuple[int, dict]] = []  # (div depth, block) of blocks being read
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "img":
            self.images.append(a)
        if tag != "div":
            return
        self._depth += 1
        if "cell_output" in classes and self._open:
            self._open[-1][1]["outputs"] += 1
        if "exercise" in classes or "solution" in classes:
            kind = "exercise" if "exercise" in classes else "solution"
            block = {"kind": kind, "id": a.get("id"), "classes": classes, "outputs": 0}
            self.blocks.append(block)
            self._open.append((self._depth, block))

    def handle_endtag(self, tag: str) -> None:
        if tag != "div":
            return
        if self._open and self._open[-1][0] == self._depth:
            self._open.pop()
        self._depth -= 1


@pytest.fixture(scope="module")
def exercises_page(book_html: Path) -> _Blocks:
    path = book_html / "chapters" / "exercises.html"
    assert path.exists(), f"{path} was not built"
    parser = _Blocks()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_six_exercises_each_followed_by_a_dropdown_solution(exercises_page):
    exercises = [b for b in exercises_page.blocks if b["kind"] == "exercise"]
    solutions = [b for b in exercises_page.blocks if b["kind"] == "solution"]
    assert len(exercises) == 6, [b["id"] for b in exercises]
    assert len(solutions) == 6, [b["id"] for b in solutions]
    # Page order: exercise, its solution, next exercise, ...
    assert [b["kind"] for b in exercises_page.blocks] == ["exercise", "solution"] * 6
    for exercise, solution in zip(
        exercises_page.blocks[::2], exercises_page.blocks[1::2], strict=True
    ):
        # The solution's id names the exercise it answers (ex-NAME -> sol-NAME).
        assert solution["id"] == "sol-" + exercise["id"].removeprefix("ex-")
        assert "dropdown" in solution["classes"], solution
        # The code that checks the claim ran in the build and sits inside the solution.
        assert solution["outputs"] >= 1, solution


def test_solutions_link_back_to_their_exercise(book_html):
    html = (book_html / "chapters" / "exercises.html").read_text(encoding="utf-8")
    for name in ("compose", "cost", "growth", "one-by-one", "rounding", "im2col"):
        assert f'href="#ex-{name}"' in html, name


def test_growth_figure_has_alt_text(exercises_page):
    figures = [
        img for img in exercises_page.images if (img.get("src") or "").startswith("../_images/")
    ]
    assert figures, "the exercises page shows no generated figure"
    growth = [img for img in figures if "bar chart" in (img.get("alt") or "")]
    assert len(growth) == 1, [img.get("alt") for img in figures]
    alt = growth[0]["alt"]
    assert "measured" in alt and "predicted" in alt
    for img in figures:
        assert (img.get("alt") or "").strip(), img
