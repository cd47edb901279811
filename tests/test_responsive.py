"""The built book at phone, tablet and desktop widths, in light and dark mode, in Chromium.

One sweep opens every page of the table of contents at 375, 768 and 1280 px with the system
colour scheme light and then dark (the book follows it: ``default_mode: auto``), waits for
MathJax, and measures in the page: sideways scrolling, blocks wider than the text column,
the smallest figure text as shown, the dark-mode styling of figures and outputs, console
errors and failed requests. The tests below then read that record. The sidebar and outline
toggles are tested in tests/test_navigation.py.
"""

from __future__ import annotations

import pytest
from book_pages import RENDER_EVERY_BLOCK, chapter_notebooks

pytestmark = [pytest.mark.browser, pytest.mark.book]

WIDTHS = (375, 768, 1280)
THEMES = ("light", "dark")
MIN_FIGURE_TEXT_PX = 11

# Runs in the page once fonts are in: everything the tests need, as plain data.
MEASURE = """async (renderEveryBlock) => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  await document.fonts.ready;
  // solutions.js starts marking scroll boxes once the browser is idle after load: an idle
  // callback asked for now runs after its own.
  await new Promise((r) => requestIdleCallback(r));
  // open every solution and every hidden cell source: their content must fit too
  document.querySelectorAll("div.solution.toggle-hidden > .admonition-title")
    .forEach((title) => title.click());
  document.querySelectorAll(".bd-article details").forEach((d) => { d.open = true; });
  // Render every block the page skips while it is far from the window (speed.css): a skipped
  // box has no width to check. Its size changes as it is shown, so solutions.js marks it.
  const all = document.createElement("style");
  all.textContent = renderEveryBlock;
  document.head.append(all);
  await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const doc = document.documentElement;
  const article = document.querySelector(".bd-article");
  const column = article.getBoundingClientRect();
  const scrolls = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  const name = (el) => {
    const cls = typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\\s+/).join(".") : "";
    return el.tagName.toLowerCase() + cls + (el.id ? "#" + el.id : "");
  };
  const text = (el) => (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 60);
  const wide = [];
  const unmarked = [];
  for (const el of article.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (getComputedStyle(el).visibility === "hidden") continue;
    // KaTeX's MathML copy is for screen readers: clipped to 1 px, never seen or scrolled.
    if (el.closest(".katex-mathml")) continue;
    // inside a scroll container, being wider is that container's business
    let p = el.parentElement;
    let inside = false;
    while (p && p !== article) {
      if (scrolls(p)) { inside = true; break; }
      p = p.parentElement;
    }
    if (inside) continue;
    if (box.right > column.right + 1 || box.left < column.left - 1) {
      const size = `${Math.round(box.width)} px in ${Math.round(column.width)}`;
      wide.push(`${name(el)} ${size}: ${text(el)}`);
    }
    if (scrolls(el) && el.scrollWidth > el.clientWidth + 1
        && !el.hasAttribute("data-cu-scroll") && el.getAttribute("tabindex") !== "0") {
      unmarked.push(`${name(el)} needs ${el.scrollWidth} px in ${el.clientWidth}: ${text(el)}`);
    }
  }
  const figures = [];
  for (const img of document.querySelectorAll(".bd-content div.cell_output img")) {
    const src = img.getAttribute("src");
    const record = {src, shown: img.clientWidth, alt: img.getAttribute("alt") || "",
                    filter: getComputedStyle(img).filter,
                    background: getComputedStyle(img).backgroundColor};
    if (src.endsWith(".svg")) {
      const svg = await (await fetch(img.src)).text();
      const sizes = [...svg.matchAll(/font-size: ([0-9.]+)px/g)].map((m) => parseFloat(m[1]));
      const box = svg.match(/viewBox="[0-9.-]+ [0-9.-]+ ([0-9.]+) /);
      record.smallest = Math.min(...sizes) * img.clientWidth / parseFloat(box[1]);
      record.hasDark = svg.includes("prefers-color-scheme: dark");
    }
    figures.push(record);
  }
  const htmlOutputs = [...document.querySelectorAll(".bd-content div.cell_output .text_html")]
    .map((el) => getComputedStyle(el).backgroundColor);
  return {
    theme: doc.dataset.theme,
    pageWidth: doc.scrollWidth,
    viewport: doc.clientWidth,
    containerOverflow: (() => {
      const c = document.querySelector(".bd-article-container");
      return c.scrollWidth - c.clientWidth;
    })(),
    wide, unmarked, figures, htmlOutputs,
  };
}"""


def page_names() -> list[str]:
    return ["intro"] + [str(nb.with_suffix("")) for nb in chapter_notebooks()]


@pytest.fixture(scope="session")
def sweep(browser, book_server) -> dict:
    """``{(page, width, theme): measurements + "errors"}`` for every page, width and theme."""
    record = {}
    for theme in THEMES:
        for width in WIDTHS:
            context = browser.new_context(
                viewport={"width": width, "height": 900}, color_scheme=theme
            )
            page = context.new_page()
            errors: list[str] = []
            page.on(
                "console",
                lambda msg, errors=errors: errors.append(msg.text) if msg.type == "error" else 0,
            )
            page.on("pageerror", lambda exc, errors=errors: errors.append(f"uncaught: {exc}"))
            page.on(
                "response",
                lambda r, errors=errors: (
                    errors.append(f"{r.status} {r.url}") if r.status >= 400 else 0
                ),
            )
            for name in page_names():
                errors.clear()
                page.goto(f"{book_server}{name}.html")
                page.wait_for_load_state("load")
                result = page.evaluate(MEASURE, RENDER_EVERY_BLOCK)
                page.wait_for_timeout(100)  # late console messages of the page's scripts
                result["errors"] = list(errors)
                record[(name, width, theme)] = result
            context.close()
    return record


def cases():
    return [pytest.param(w, t, id=f"{w}px-{t}") for w in WIDTHS for t in THEMES]


@pytest.mark.parametrize(("width", "theme"), cases())
def test_the_page_follows_the_colour_scheme_and_never_scrolls_sideways(sweep, width, theme):
    for name in page_names():
        m = sweep[(name, width, theme)]
        assert m["theme"] == theme, (name, m["theme"])
        assert m["pageWidth"] <= m["viewport"], (name, width, theme, m["pageWidth"])
        # pydata-sphinx-theme lets the article container scroll: it must not need to
        assert m["containerOverflow"] <= 1, (name, width, theme, m["containerOverflow"])


@pytest.mark.parametrize(("width", "theme"), cases())
def test_no_block_is_wider_than_the_column_outside_a_marked_scroll_box(sweep, width, theme):
    problems = {}
    for name in page_names():
        m = sweep[(name, width, theme)]
        if m["wide"] or m["unmarked"]:
            problems[name] = {"wider than the column": m["wide"], "unmarked": m["unmarked"]}
    assert not problems, problems


@pytest.mark.parametrize(("width", "theme"), cases())
def test_figures_are_svg_with_text_of_at_least_11_px_as_shown(sweep, width, theme):
    figures = [(name, f) for name in page_names() for f in sweep[(name, width, theme)]["figures"]]
    assert len(figures) >= 4, figures  # the three chapter figures and the exercises' plot
    for name, f in figures:
        assert f["src"].endswith(".svg"), (name, f["src"], "a raster figure")
        assert f["smallest"] >= MIN_FIGURE_TEXT_PX, (name, width, f["src"], f["smallest"])
        assert len(f["alt"]) >= 10, (name, f)  # the notebooks' alt text is kept
        assert f["hasDark"], (name, f["src"])


def test_dark_mode_neither_dims_figures_nor_boxes_html_outputs_in_light(sweep):
    for name in page_names():
        m = sweep[(name, 375, "dark")]
        for f in m["figures"]:
            assert f["filter"] == "none", (name, f)
            assert f["background"] == "rgba(0, 0, 0, 0)", (name, f)
        for background in m["htmlOutputs"]:
            assert background == "rgba(0, 0, 0, 0)", (name, background)


@pytest.mark.parametrize(("width", "theme"), cases())
def test_no_console_error_and_no_failed_request(sweep, width, theme):
    # Nothing is ignored: a missing favicon (a 404), a script error or a failed MathJax font
    # all count.
    errors = {n: sweep[(n, width, theme)]["errors"] for n in page_names()}
    assert not any(errors.values()), errors


def test_headings_shrink_and_lists_keep_their_room_on_a_phone(page, book_server):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{book_server}intro.html")
    h1 = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert h1 <= 30, h1
    page.goto(f"{book_server}chapters/multiple_input_channels.html")
    indent = page.evaluate(
        """() => {
          const li = document.querySelector('.bd-article .admonition li');
          const text = document.querySelector('.bd-article section > p');
          return li.getBoundingClientRect().left - text.getBoundingClientRect().left;
        }"""
    )
    assert indent <= 40, indent  # was 67 px: the bullets' text started 67 px in
    # a solution's text gets the column less its frame (was 276 px of 343)
    page.goto(f"{book_server}chapters/exercises.html")
    page.locator("div.solution .admonition-title").first.click()
    widths = page.evaluate(
        """() => [document.querySelector('div.solution section > p'),
                  document.querySelector('.bd-article section > p')]
                 .map((p) => p.getBoundingClientRect().width)"""
    )
    assert widths[0] >= widths[1] - 30, widths
    page.set_viewport_size({"width": 1280, "height": 800})
    h1 = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert h1 >= 36, h1  # desktop keeps the theme's size


def test_solutions_open_from_the_title_and_close_from_their_end(page, book_server):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{book_server}chapters/exercises.html")
    page.wait_for_load_state("load")
    solutions = page.locator("div.solution.dropdown")
    assert solutions.count() >= 3
    for n in range(solutions.count()):
        solution = solutions.nth(n)
        title = solution.locator(":scope > .admonition-title")
        button = title.locator(".toggle-button")
        close = solution.locator(".cu-close-solution")
        assert "toggle-hidden" in solution.get_attribute("class")
        # the exercise's name is text in the title, not a link that jumps away
        assert title.locator("a").count() == 0
        name = title.locator(".cu-exercise-name")
        assert name.inner_text().strip().startswith("Exercise")
        # a click anywhere on the title opens it, and the page stays where it is
        url = page.url
        name.click()
        assert "toggle-hidden" not in solution.get_attribute("class")
        assert button.get_attribute("aria-expanded") == "true"
        assert page.url == url
        assert close.is_visible()
        # the link back to the exercise is at the end, next to the close button
        back = solution.locator(".cu-back-to-exercise")
        assert back.get_attribute("href").startswith("#")
        # closing from the end by keyboard: focus returns to the title's button
        close.focus()
        page.keyboard.press("Enter")
        assert "toggle-hidden" in solution.get_attribute("class")
        assert button.get_attribute("aria-expanded") == "false"
        assert page.evaluate("document.activeElement.classList.contains('toggle-button')")
        # and by keyboard from the title: Space on the button opens it again
        button.focus()
        page.keyboard.press("Space")
        assert "toggle-hidden" not in solution.get_attribute("class")
        title.click(position={"x": 5, "y": 5})
        assert "toggle-hidden" in solution.get_attribute("class")
        box = close.bounding_box()
        assert box is None or (box["width"] >= 24 and box["height"] >= 24)


def test_logo_and_favicon_are_our_own_files(page, book_server):
    page.goto(f"{book_server}intro.html")
    icon = page.locator("link[rel='icon']").first.get_attribute("href")
    assert icon.endswith("favicon.svg"), icon
    response = page.request.get(page.url.rsplit("/", 1)[0] + "/" + icon)
    assert response.ok and b"<svg" in response.body()
    logo = page.locator("img.logo__image").first
    assert logo.get_attribute("src").endswith("logo.svg")
    assert page.evaluate("(img) => img.naturalWidth > 0", logo.element_handle())
