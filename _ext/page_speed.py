"""Pages that load fast on a phone (issue 13), with Sphinx's own hooks only.

- Scripts: every script file Sphinx and the extensions add to the head is deferred, so none
  blocks the first paint (``documentation_options.js`` stays as it is: the page's inline
  scripts read ``DOCUMENTATION_OPTIONS`` right away). Inline ``<script type="module">``
  players in the pages are not touched (modules are deferred by nature). sphinx-design's
  tab script is left out of a page with no tab set.
- Icons: ``_templates/layout.html`` drops the theme's 1.45 MB ``fontawesome.js``. After the
  build, this draws every Font Awesome icon element of the written pages
  (``<i class="fa-solid fa-bars">``) with an inline ``<svg>`` filled with ``currentColor``,
  from the path data of the theme's own copy of Font Awesome Free (icons CC BY 4.0,
  https://fontawesome.com/license/free), so they follow the text colour in both themes;
  ``_static/icons.css`` sizes them.
- Images: ``width`` and ``height`` from the image file (no layout shift while it loads),
  ``loading="lazy"`` and ``decoding="async"`` on every image but a page's first.
- A ``<meta name="description">`` per page: the page's front matter ``description`` if it
  has one, else its first paragraph of prose.
- KaTeX fonts: the few a page's formulas use are preloaded from the head (no layout shift
  when they arrive after the first paint).
- KaTeX (sphinxcontrib-katex, prerendering with node): the render server is started here,
  waiting until it accepts connections (the extension's own start connects as soon as the
  socket file exists, before node listens on it, and fails on a busy machine), with a longer
  time per formula; a formula KaTeX cannot typeset is a build warning (an error with -W),
  not a red box in the page.
"""

from __future__ import annotations

import atexit
import html
import re
import socket
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

ICONS_CSS = "icons.css"
# Font Awesome's class prefixes and the icon pack each names.
PACKS = {
    "fa-solid": "fas",
    "fas": "fas",
    "fa": "fas",
    "fa-regular": "far",
    "far": "far",
    "fa-brands": "fab",
    "fab": "fab",
}
# Font Awesome's helper classes, not icons.
NOT_ICONS = {"fa-lg", "fa-sm", "fa-xs", "fa-fw", "fa-2x", "fa-spin", "fa-stack"}
DESCRIPTION_CHARS = 155
KEEP_BLOCKING = {"_static/documentation_options.js"}


# --- scripts -----------------------------------------------------------------------------


def _defer_scripts(pagename: str, context: dict) -> None:
    # The search page's own template loads searchtools.js without defer, and it calls
    # doctools.js's _ready() at once: that page keeps its scripts as Sphinx writes them.
    if pagename == "search":
        return
    from sphinx.builders.html._assets import _JavaScript

    scripts = context.get("script_files") or []
    for i, script in enumerate(scripts):
        attrs = script.attributes
        if not script.filename or script.filename in KEEP_BLOCKING:
            continue
        if attrs.get("async") or attrs.get("defer") or attrs.get("type") == "module":
            continue
        # A new object: the builder shares these between pages (and the search page's stay).
        deferred = {**attrs, "defer": "defer"}
        scripts[i] = _JavaScript(script.filename, priority=script.priority, **deferred)


# --- meta description --------------------------------------------------------------------


def _prose(paragraph: nodes.paragraph) -> str:
    """A paragraph's text for a search result: math as its TeX without the backslashes."""
    parts = []
    for node in paragraph.findall(nodes.Text):
        text = node.astext()
        if isinstance(node.parent, nodes.math):
            text = re.sub(r"\\[a-zA-Z]+\s*|[{}\\]", " ", text)
        parts.append(text)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _description(app: Sphinx, pagename: str, doctree: Any) -> str | None:
    meta = app.env.metadata.get(pagename, {})
    if meta.get("description"):
        return str(meta["description"])
    if doctree is None:
        return None
    skip = (nodes.Admonition, nodes.literal_block, nodes.table, nodes.footnote)
    for para in doctree.findall(nodes.paragraph):
        if any(isinstance(a, skip) for a in _ancestors(para)):
            continue
        text = _prose(para)
        if len(text) >= 40:
            if len(text) > DESCRIPTION_CHARS:
                text = text[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
            return text
    return None


def _ancestors(node: nodes.Node) -> list[nodes.Node]:
    found = []
    while node.parent is not None:
        node = node.parent
        found.append(node)
    return found


# --- images ------------------------------------------------------------------------------

_IMG = re.compile(r"<img\b([^>]*?)\s*/?>", re.IGNORECASE)
_ATTR = re.compile(r'([\w:-]+)="([^"]*)"')


def _image_size(path: Path) -> tuple[int, int] | None:
    """Pixel size of a PNG/JPEG/GIF (Pillow) or the size an SVG declares (viewBox)."""
    if not path.is_file():
        return None
    if path.suffix.lower() == ".svg":
        head = path.read_text(errors="replace")[:4000]
        box = re.search(r'viewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)', head)
        if box:
            return round(float(box.group(1))), round(float(box.group(2)))
        return None
    try:
        from PIL import Image

        with Image.open(path) as im:
            return im.size
    except Exception:  # noqa: BLE001 (not an image Pillow knows: leave the tag alone)
        return None


def _sized_images(app: Sphinx, body: str) -> str:
    by_name = {Path(dest).name: src for src, dest in app.builder.images.items()}
    count = 0

    def fix(match: re.Match) -> str:
        nonlocal count
        count += 1
        attrs = dict(_ATTR.findall(match.group(1)))
        extra = []
        if "width" not in attrs and "height" not in attrs:
            src = by_name.get(Path(urllib.parse.unquote(attrs.get("src", ""))).name)
            size = _image_size(Path(app.srcdir, src)) if src else None
            if size:
                extra.append(f'width="{size[0]}" height="{size[1]}"')
        if count > 1 and "loading" not in attrs:
            extra.append('loading="lazy" decoding="async"')
        if not extra:
            return match.group(0)
        return f"<img{match.group(1)} {' '.join(extra)} />"

    return _IMG.sub(fix, body)


# --- KaTeX --------------------------------------------------------------------------------

KATEX_STARTUP_SECONDS = 60.0
KATEX_FORMULA_SECONDS = 60.0


def _start_katex(app: Sphinx) -> None:
    if app.builder.format != "html" or not app.config.katex_prerender:
        return
    from sphinxcontrib import katex

    katex.RENDER_TIMEOUT = KATEX_FORMULA_SECONDS
    if katex.KaTeXServer.katex_server is not None:
        return
    rundir = Path(tempfile.mkdtemp(prefix="sphinxcontrib_katex"))
    path = rundir / "katex.sock"
    cmd = katex.KaTeXServer.build_command(socket=path)
    process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=rundir)
    deadline = time.monotonic() + KATEX_STARTUP_SECONDS
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(path))
            break
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the KaTeX server ({' '.join(cmd)}) did not start") from None
            time.sleep(0.05)
    server = katex.KaTeXServer(rundir, process, sock)
    atexit.register(katex.KaTeXServer.terminate, server)
    katex.KaTeXServer.katex_server = server


def _katex_errors(pagename: str, body: str) -> None:
    for tag in re.findall(r'<span[^>]*class="katex-error"[^>]*>', body):
        why = re.search(r'title="([^"]*)"', tag)
        message = html.unescape(why.group(1)) if why else tag
        logger.warning("%s: KaTeX cannot typeset a formula: %s", pagename, message)


def _katex_font_preloads(context: dict, body: str) -> str:
    """``<link rel="preload">`` for the KaTeX fonts the page's formulas use most.

    KaTeX's CSS asks for a font only when the browser first lays out a formula, after the
    style sheets have arrived; the lines holding formulas then change height when it
    arrives (layout shift). Fetched from the head, the few fonts a page uses are there
    before its first paint. Each is 5-26 KB.
    """
    if 'class="katex"' not in body:
        return ""
    fonts = ["Main-Regular"]
    if "mathnormal" in body:
        fonts.append("Math-Italic")
    if "mathsf" in body:
        fonts.append("SansSerif-Regular")
    if "large-op" in body:
        fonts.append("Size2-Regular")
    if "small-op" in body or "delimsizing size1" in body:
        fonts.append("Size1-Regular")
    links = []
    for name in fonts:
        href = context["pathto"](f"_static/fonts/KaTeX_{name}.woff2", 1)
        links.append(
            f'<link rel="preload" href="{href}" as="font" type="font/woff2" crossorigin />\n'
        )
    return "".join(links)


# --- the page hook -----------------------------------------------------------------------


def _drop_unused_scripts(context: dict) -> None:
    """Leave out sphinx-design's tab script on a page with no tab set (none has one today).

    The script listens for ``DOMContentLoaded`` whatever the page holds. Chromium styles and
    lays out the whole page in that event's task, and Lighthouse's simulation makes a task
    wait for every script that runs in it: the page's first layout was counted after the
    first paint, as if the script did it (chapter 2: about 330 ms of its phone TBT).
    """
    body = context.get("body") or ""
    scripts = context.get("script_files") or []
    context["script_files"] = [
        script
        for script in scripts
        if not (str(script.filename or "").endswith("design-tabs.js") and "sd-tab-set" not in body)
    ]


def _page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    _defer_scripts(pagename, context)
    _drop_unused_scripts(context)
    if context.get("body"):
        _katex_errors(pagename, context["body"])
        context["body"] = _sized_images(app, context["body"])
        # myst-nb names a hidden code cell's <summary> "Toggle hidden content" while it shows
        # "Show code cell source": a name that hides the visible words fails WCAG 2.5.3 (label
        # in name; Lighthouse's label-content-name-mismatch). Its visible text names it.
        context["body"] = context["body"].replace(
            '<summary aria-label="Toggle hidden content">', "<summary>"
        )
        context["metatags"] = context.get("metatags", "") + _katex_font_preloads(
            context, context["body"]
        )
    description = _description(app, pagename, doctree)
    if description and 'name="description"' not in context.get("metatags", ""):
        tag = f'<meta name="description" content="{html.escape(description)}" />\n'
        context["metatags"] = context.get("metatags", "") + tag


# --- the theme's style sheet -------------------------------------------------------------

THEME_CSS = "styles/pydata-sphinx-theme.css"
USED_CSS = "styles/pydata-sphinx-theme-used.css"
# At-rules whose blocks hold style rules (trimmed inside); other at-rules stay whole.
GROUPING = ("@media", "@supports", "@layer", "@container")
# Bootstrap names some classes at run time from parts ("bs-tooltip-" + placement).
RUNTIME_PREFIXES = ("bs-",)


def _skip_quoted(css: str, i: int) -> int:
    """Index just past the string that starts at ``css[i]`` (a quote)."""
    quote, i = css[i], i + 1
    while css[i] != quote:
        i += 2 if css[i] == "\\" else 1
    return i + 1


def _blocks(css: str) -> list[tuple[str, str | None]]:
    """``(prelude, body)`` for each rule at this level; ``body`` is None for ``@x ...;``."""
    out: list[tuple[str, str | None]] = []
    i, n = 0, len(css)
    while i < n:
        j = i
        while j < n and css[j] not in "{};":
            if css[j] in "\"'":
                j = _skip_quoted(css, j)
            elif css.startswith("/*", j):
                j = css.index("*/", j) + 2
            else:
                j += 1
        if j >= n:
            break  # a trailing comment (the source map's)
        prelude = re.sub(r"/\*.*?\*/", "", css[i:j], flags=re.S).strip()
        if css[j] != "{":
            if css[j] == ";" and prelude:
                out.append((prelude, None))
            i = j + 1
            continue
        k, depth = j + 1, 1
        while depth:
            if css[k] in "\"'":
                k = _skip_quoted(css, k)
                continue
            depth += {"{": 1, "}": -1}.get(css[k], 0)
            k += 1
        out.append((prelude, css[j + 1 : k - 1]))
        i = k
    return out


def _selectors(prelude: str) -> list[str]:
    """A selector list split at its top-level commas."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(prelude):
        depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(c, 0)
        if c == "," and depth == 0:
            parts.append(prelude[start:i])
            start = i + 1
    return [p.strip() for p in parts + [prelude[start:]]]


def _may_match(selector: str, words: set[str]) -> bool:
    """False when the selector needs a class that no page and no script ever names."""
    plain = re.sub(r"\[[^\]]*\]", "", selector)  # attribute tests: [href$=".pdf"]
    while True:  # :not(...), :is(...), :has(...): keep whatever their arguments say
        stripped = re.sub(r":[\w-]+\([^()]*\)", "", plain)
        if stripped == plain:
            break
        plain = stripped
    for name in re.findall(r"\.((?:[\w-]|\\.)+)", plain):
        if "\\" not in name and name not in words and not name.startswith(RUNTIME_PREFIXES):
            return False
    return True


def _trim_css(css: str, words: set[str]) -> str:
    kept = []
    for prelude, body in _blocks(css):
        if body is None:
            kept.append(prelude + ";")
        elif prelude.startswith(GROUPING):
            inner = _trim_css(body, words)
            if inner:
                kept.append(f"{prelude}{{{inner}}}")
        elif prelude.startswith("@"):
            kept.append(f"{prelude}{{{body}}}")
        else:
            selectors = [s for s in _selectors(prelude) if _may_match(s, words)]
            if selectors:
                kept.append(f"{','.join(selectors)}{{{body}}}")
    return "\n".join(kept)


def _write_used_theme_css(app: Sphinx, exception: Exception | None) -> None:
    """The rules of the theme's 397 KB style sheet that these pages can use, for the head.

    The sheet is render-blocking and every page parses all of it (0.4 s of a phone's blocking
    time in Lighthouse), yet most of it styles what the book never shows: Font Awesome's 2,000
    icon classes (the few the pages use are inline SVG), Bootstrap components such as
    carousels and toasts. A rule stays unless every selector in its list names a class that no
    written page and no script in ``_static`` contains anywhere (in any text, so a class a
    script adds at run time stays); at-rules stay. ``_templates/layout.html`` links the result.
    """
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    words: set[str] = set()
    for path in [*outdir.rglob("*.html"), *(outdir / "_static").rglob("*.js")]:
        words.update(re.findall(r"[\w-]+", path.read_text(errors="replace")))
    css = (outdir / "_static" / THEME_CSS).read_text()
    (outdir / "_static" / USED_CSS).write_text(_trim_css(css, words) + "\n")


# --- icons -------------------------------------------------------------------------------


def _fontawesome_packs() -> dict[str, dict[str, tuple[int, int, str]]]:
    """``{pack: {icon: (width, height, path)}}`` from the theme's fontawesome.js."""
    import pydata_sphinx_theme

    js = Path(pydata_sphinx_theme.__file__).parent / "theme/pydata_sphinx_theme/static"
    text = (js / "scripts/fontawesome.js").read_text()
    icon = re.compile(r'(?:"([\w-]+)"|(\w+)):\[(\d+),(\d+),\[[^\]]*\],"\w+","(M[^"]+)"\]')
    packs: dict[str, dict[str, tuple[int, int, str]]] = {}
    start = 0
    for end in re.finditer(r'\}\(function\(\)\{\w+\("(fa[sbr])",\w+\)', text):
        begin = text.rfind("var p={", start, end.start())
        pack = packs.setdefault(end.group(1), {})
        for m in icon.finditer(text, begin if begin >= 0 else start, end.start()):
            pack.setdefault(m.group(1) or m.group(2), (int(m[3]), int(m[4]), m[5]))
        start = end.end()
    return packs


# An icon element as the theme's templates write it: <i class="fa-solid fa-bars"></i>.
ICON_TAG = re.compile(r'<(i|span) class="([^"]*\bfa[a-z-]*\b[^"]*)"([^>]*)></\1>')


def _icon_names(classes: str) -> tuple[str, str, str] | None:
    """``(prefix class, pack, icon)`` for an element's classes, or None if it is no icon."""
    names = classes.split()
    prefixes = [n for n in names if n in PACKS]
    icons = [n for n in names if n.startswith("fa-") and n not in PACKS and n not in NOT_ICONS]
    if not prefixes or len(icons) != 1:
        return None
    return prefixes[0], PACKS[prefixes[0]], icons[0].removeprefix("fa-")


def _inline_icons(html_text: str, packs: dict, missing: set[str]) -> str:
    """Each Font Awesome ``<i>``/``<span>`` with its icon inside as an ``<svg>``.

    Inline, not as CSS masks of data: URLs: Chromium makes a whole SVG document for every
    such image while it styles the page (30 on a chapter page, about a third of its first
    style pass). The element stays, so the theme's rules for it still size and colour it.
    """

    def svg(match: re.Match) -> str:
        tag, classes, attrs = match.groups()
        found = _icon_names(classes)
        if found is None:
            return match.group(0)
        prefix, pack, name = found
        shape = packs.get(pack, {}).get(name) or packs.get("fas", {}).get(name)
        if not shape:
            missing.add(f"{prefix} fa-{name}")
            return match.group(0)
        w, h, d = shape
        return (
            f'<{tag} class="{" ".join(classes.split())} cu-icon"{attrs}>'
            f'<svg viewBox="0 0 {w} {h}" aria-hidden="true" focusable="false">'
            f'<path d="{d}"/></svg></{tag}>'
        )

    return ICON_TAG.sub(svg, html_text)


# The box is Font Awesome's own; the drawing fills it in the text colour.
ICONS_RULES = """/* Written by _ext/page_speed.py: the Font Awesome Free icons (CC BY 4.0,
   https://fontawesome.com/license/free) are inline <svg> in the pages, in place of the
   theme's 1.45 MB fontawesome.js. */
.cu-icon{display:inline-block;width:1.25em;height:1em;vertical-align:-0.125em;font-style:normal}
.cu-icon>svg{display:block;width:100%;height:100%;fill:currentColor}
.cu-icon.fa-lg{font-size:1.25em;line-height:.05em;vertical-align:-.075em}
.cu-icon::before{content:none!important}
"""


def _write_icons(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    packs = _fontawesome_packs()
    missing: set[str] = set()
    for page in outdir.rglob("*.html"):
        text = page.read_text()
        inlined = _inline_icons(text, packs, missing)
        if inlined != text:
            page.write_text(inlined)
    (outdir / "_static" / ICONS_CSS).write_text(ICONS_RULES)
    for name in sorted(missing):
        logger.warning("page_speed: no Font Awesome icon %r in the theme's copy", name)


def setup(app: Sphinx) -> dict:
    app.add_css_file(ICONS_CSS)
    # After the other extensions' page hooks (they add scripts for one page).
    app.connect("html-page-context", _page_context, priority=800)
    app.connect("build-finished", _write_icons)
    app.connect("build-finished", _write_used_theme_css)
    app.connect("builder-inited", _start_katex)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
