"""The built book: a clean build, the six pages in order, alt text, no cell errors.

Uses the session's real build (``book_build`` / ``book_html`` in conftest.py); set
``BOOK_HTML`` to reuse an existing ``_build/html`` while developing.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import convutils

# (page, title) in the order of _toc.yml.
PAGES = [
    ("intro", "Multiple Input and Multiple Output Channels"),
    ("chapters/multiple_input_channels", "Multiple Input Channels"),
    ("chapters/multiple_output_channels", "Multiple Output Channels"),
    ("chapters/one_by_one_convolution", "The 1×1 Convolutional Layer"),
    ("chapters/summary", "Summary"),
    ("chapters/exercises", "Exercises"),
    ("chapters/using_this_book", "Using this book"),
]
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg", ".gif")
# The five pages of the section (not the closing "Using this book" page).
CHAPTERS = [page for page, _ in PAGES if page.startswith("chapters/")][:5]


class _Page(HTMLParser):
    """Collects what the tests read from one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.h1: list[str] = []
        self.next_href: str | None = None
        self.classes: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.classes.extend((a.get("class") or "").split())
        if tag == "img":
            self.images.append(a)
        elif tag == "h1":
            self._in_h1 = True
            self.h1.append("")
        elif tag == "a" and "right-next" in (a.get("class") or "").split():
            self.next_href = a.get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1[-1] += data


def parse(html_dir: Path, page: str) -> _Page:
    parser = _Page()
    parser.feed((html_dir / f"{page}.html").read_text(encoding="utf-8"))
    return parser


def test_build_succeeds_without_warnings(book_build):
    # -W turns every warning into an error, so a zero exit code means a clean build.
    assert book_build["returncode"] == 0, book_build["log"][-5000:]
    assert "WARNING" not in book_build["log"].replace("[IPKernelApp] WARNING", "")


def test_pages_exist_in_toc_order_with_their_titles(book_html):
    # index.html only redirects to the landing page
    assert "intro.html" in (book_html / "index.html").read_text(encoding="utf-8")
    for page, title in PAGES:
        assert (book_html / f"{page}.html").is_file(), page
        h1 = [t.replace("#", "").strip() for t in parse(book_html, page).h1]
        assert h1 and h1[0] == title, (page, h1)
    # each page's "next" link points at the following page of the table of contents
    for (page, _), (following, _) in zip(PAGES, PAGES[1:], strict=False):
        href = parse(book_html, page).next_href
        assert href is not None, page
        target = (book_html / page).parent / href.split("#")[0]
        assert target.resolve() == (book_html / f"{following}.html").resolve(), (page, href)


def test_every_chapter_image_has_alt_text(book_html):
    figures = 0
    for page in CHAPTERS:
        for img in parse(book_html, page).images:
            alt, src = (img.get("alt") or "").strip(), img.get("src") or ""
            # Without alt metadata docutils falls back to the image's URI: not a description.
            described = len(alt) >= 10 and alt not in src and not alt.endswith(IMAGE_SUFFIXES)
            assert described, f"{page}: <img src={src!r}> has alt {alt!r}"
            figures += "logo" not in (img.get("src") or "")
    # the three chapter figures at least (other engineers may add more)
    assert figures >= 3


def test_figures_are_where_the_chapters_reference_them(book_html):
    for page, name in [
        ("chapters/multiple_input_channels", "fig-two-channel"),
        ("chapters/multiple_output_channels", "fig-three-outputs"),
        ("chapters/one_by_one_convolution", "fig-one-by-one"),
    ]:
        html = (book_html / f"{page}.html").read_text(encoding="utf-8")
        match = re.search(rf'<figure[^>]*id="{name}".*?</figure>', html, re.S)
        assert match, (page, name)
        assert re.search(r'<img[^>]+src="[^"]+\.svg"', match.group(0)), (page, name)
        assert f'href="#{name}"' in html, f"{page}: the text never references {name}"


def test_alt_text_of_the_worked_example_matches_convutils(book_html):
    X, K = convutils.two_channel_example()
    p0, p1 = (convutils.corr2d(X[c], K[c])[0, 0] for c in range(2))
    Y = convutils.corr2d_multi_in(X, K)
    alts = [img.get("alt") or "" for img in parse(book_html, CHAPTERS[0]).images]
    assert any(f"Y[0, 0] = {p0} + {p1} = {Y[0, 0]}" in alt for alt in alts), alts


def test_alt_text_of_the_three_output_figure_matches_convutils(book_html):
    X, K = convutils.two_channel_example()
    Y3 = convutils.corr2d_multi_in_out(X, convutils.three_output_kernels(K))
    alts = [img.get("alt") or "" for img in parse(book_html, CHAPTERS[1]).images]
    for o in range(3):
        numbers = ", ".join(str(v) for v in Y3[o].ravel())
        assert any(f"output {numbers}" in alt for alt in alts), (numbers, alts)


def test_no_cell_error_output_in_the_html(book_html):
    for page, _ in PAGES:
        html = (book_html / f"{page}.html").read_text(encoding="utf-8")
        parser = parse(book_html, page)
        assert "output error" not in html and "traceback" not in parser.classes, page
        assert "Traceback (most recent call last)" not in html, page
        assert not re.search(r"\b\w+Error</span>: ", html), page


def test_chapters_show_the_real_source_and_both_array_libraries(book_html):
    html = "".join(
        (book_html / f"{page}.html").read_text(encoding="utf-8") for page in CHAPTERS[:3]
    )
    text = re.sub(r"<[^>]+>", "", html)
    for name in ("corr2d", "corr2d_multi_in", "corr2d_multi_in_out", "corr2d_multi_in_out_1x1"):
        assert f"def {name}(" in text, name
    assert "torch.int64" in text and "tensor([[" in text


def page_text(book_html: Path, page: str) -> str:
    """The page's text with tags removed and entities decoded."""
    import html as html_lib

    raw = (book_html / f"{page}.html").read_text(encoding="utf-8")
    return html_lib.unescape(re.sub(r"<[^>]+>", "", raw))


def test_every_chapter_ends_with_what_to_remember(book_html):
    for page in CHAPTERS[:4]:
        html = (book_html / f"{page}.html").read_text(encoding="utf-8")
        boxes = re.findall(
            r'<div class="[^"]*\badmonition\b[^"]*">\s*<p class="admonition-title">(.*?)</p>', html
        )
        # the closing box; other admonitions may come before it
        assert boxes and boxes[-1] == "What to remember", (page, boxes)


def test_pages_show_the_outputs_convutils_computes(book_html):
    X, K = convutils.two_channel_example()
    K3 = convutils.three_output_kernels(K)
    ch1 = page_text(book_html, "chapters/multiple_input_channels")
    for c in range(2):
        assert str(convutils.corr2d(X[c], K[c])) in ch1
    assert str(convutils.corr2d_multi_in(X, K)) in ch1
    ch2 = page_text(book_html, "chapters/multiple_output_channels")
    assert repr(convutils.corr2d_multi_in_out(X, K3)) in ch2
    assert str(convutils.corr2d_multi_in_out(X, K3, padding=1, stride=2)) in ch2


def test_toc_lists_the_pages_in_order():
    import yaml

    toc = yaml.safe_load((Path(__file__).resolve().parents[1] / "_toc.yml").read_text())
    files = [toc["root"]] + [entry["file"] for entry in toc["chapters"]]
    assert files == [page for page, _ in PAGES]
