"""Drawing the steps of a :class:`convutils.trace.Trace`: frames, SVG, the static player, PNG.

One layout serves every view. :func:`frames` turns the trace into what each step shows (which
cells are shaded, what the output grid holds, the narration); :func:`layout` places every cell
once; :func:`render_svg` draws a frame as SVG (the live widget shows it, the static player
starts from it), :func:`player_html` embeds all frames as JSON for a few lines of JavaScript
that only switch classes and place the precomputed strings, and :func:`render_png` draws the
final state with matplotlib for the PDF. No arithmetic happens here beyond what the trace did.
"""

from __future__ import annotations

import html
import io
import itertools
import json
import re
from dataclasses import dataclass
from importlib import resources

from convutils.trace import GRANULARITIES, Number, Trace, fmt

CELL = 40  # px: one matrix cell
GAP = 22  # px: between matrices
TITLE = 24  # px: room for a matrix's title above it
MAX_WIDTH = 660  # px: start a new line of matrices past this width
LARGE_SCALE = 2.0  # the live widget's large view draws the figure at this size
# Player budget: granularities beyond the requested one are embedded while the JSON stays
# under this size, so a page with several players stays light.
FRAME_BUDGET = 30_000
GRANULARITY_LABELS = {"element": "per element", "channel": "per channel", "product": "per product"}


@dataclass(frozen=True)
class Frame:
    """What one step shows.

    ``marks`` are ``(cell key, css class)`` pairs: ``"p"`` for the cells whose products this
    step adds, ``"w"`` for the rest of the window (per-product steps), ``"on"`` for the
    matrices in use. ``out_text``/``out_state`` cover every output element in ``(o, i, j)``
    order; the state is ``"."`` not reached yet (blank), ``"d"`` done, ``"c"`` current.
    ``element`` is the flat index of the current output element.
    """

    marks: tuple[tuple[str, str], ...]
    out_text: tuple[str, ...]
    out_state: str
    narration: str
    products: str
    kernel: str
    counter: str
    element: int


def num(v: Number) -> str:
    """A cell's number: integers plainly, floats with 3 significant digits."""
    return str(v) if isinstance(v, int) else f"{v:.3g}"


def _y_name(trace: Trace, o: int) -> str:
    return f"Y[{o}]" if trace.multi_out else "Y"


def _k_name(trace: Trace, o: int, c: int) -> str:
    return f"K[{o},{c}]" if trace.multi_out else f"K[{c}]"


def frames(trace: Trace) -> list[Frame]:
    """One :class:`Frame` per step of ``trace``."""
    c_o, h_o, w_o = trace.out_shape
    values = [""] * (c_o * h_o * w_o)
    state = ["."] * len(values)
    result = []
    for step in trace.steps:
        flat = (step.out_channel * h_o + step.out_row) * w_o + step.out_col
        values[flat] = num(step.running_total)
        state[flat] = "c"
        o = step.out_channel
        marks: list[tuple[str, str]] = [(f"kg{o}", "on"), (f"yg{o}", "on")]
        marks += [(f"xg{c}", "on") for c in step.channels]
        current = {(p.channel, p.row, p.col) for p in step.products}
        for c in step.channels:
            for a, r in enumerate(step.rows):
                for b, s in enumerate(step.cols):
                    cls = "p" if (c, r, s) in current else "w"
                    marks += [(f"x{c}_{r}_{s}", cls), (f"k{o}_{c}_{a}_{b}", cls)]
        if trace.granularity == "element":
            products = "; ".join(
                f"channel {c}: " + ", ".join(f"{fmt(p.x)}×{fmt(p.k)} = {num(p.value)}" for p in g)
                for c, g in itertools.groupby(step.products, key=lambda p: p.channel)
            )
        else:
            products = ", ".join(f"{fmt(p.x)}×{fmt(p.k)} = {num(p.value)}" for p in step.products)
        kernels = ", ".join(_k_name(trace, o, c) for c in step.channels)
        # With one output channel there is only one Y to write; say which one only when the
        # kernel K[o] picks one of several output channels.
        if trace.multi_out:
            kernels += f" (writes {_y_name(trace, o)})"
        result.append(
            Frame(
                marks=tuple(marks),
                out_text=tuple(values),
                out_state="".join(state),
                narration=step.narration(),
                products=f"Products: {products}",
                kernel=f"Kernel in use: {kernels}",
                # The slider next to it is labelled "Step", so the counter is just "3 / 8".
                counter=f"{step.index + 1} / {len(trace.steps)}",
                element=flat,
            )
        )
        if step.finishes_element:
            state[flat] = "d"
    return result


def final_frame(trace: Trace) -> Frame:
    """The finished picture: every output element shown, nothing shaded."""
    out = [num(v) for plane in trace.output for row in plane for v in row]
    return Frame((), tuple(out), "d" * len(out), "", "", "", "Finished", 0)


@dataclass(frozen=True)
class Box:
    """One drawn rectangle: a cell (``text`` set) or a matrix outline (``text`` is None)."""

    key: str
    x: float
    y: float
    w: float
    h: float
    kind: str  # "x", "pad", "k", "y" for cells; "group" for outlines
    text: str | None


@dataclass(frozen=True)
class Band:
    """The part of the figure that holds one kind of matrix: ``name`` is ``"x"`` (the input
    channels), ``"k"`` (the kernels) or ``"y"`` (the output channels); ``x, y, w, h`` its
    rectangle in the layout's px. Each band is drawn as an SVG of its own, so the page can
    stack the three (the normal view) or set them side by side (large view, full screen)."""

    name: str
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Layout:
    """Every box and title of the figure, its size in px and its three bands."""

    boxes: tuple[Box, ...]
    titles: tuple[tuple[float, float, str], ...]
    width: float
    height: float
    bands: tuple[Band, ...] = ()


def layout(trace: Trace) -> Layout:
    """Place ``X`` (with its padding ring), the kernels ``K[o]`` and the output grids, one
    kind per row of matrices, wrapping a row past ``MAX_WIDTH``."""
    (c_i, h, w), (c_o, _, k_h, k_w) = trace.x_shape, trace.k_shape
    p_h, p_w = trace.padding
    _, h_o, w_o = trace.out_shape
    boxes: list[Box] = []
    titles: list[tuple[float, float, str]] = []
    cursor = {"x": 4.0, "y": 4.0, "line": 0.0, "width": 0.0, "top": 0.0, "right": 0.0}
    bands: list[Band] = []

    def slot(w_px: float, h_px: float) -> tuple[float, float]:
        """The top-left corner for the next matrix of ``w_px`` x ``h_px`` on this row."""
        if cursor["x"] > 4 and cursor["x"] + w_px > MAX_WIDTH:
            cursor["x"], cursor["y"] = 4.0, cursor["y"] + cursor["line"] + GAP
            cursor["line"] = 0.0
        x0, y0 = cursor["x"], cursor["y"]
        cursor["x"] += w_px + GAP
        cursor["line"] = max(cursor["line"], h_px)
        cursor["width"] = max(cursor["width"], cursor["x"])
        cursor["right"] = max(cursor["right"], x0 + w_px)
        return x0, y0

    def new_row(name: str) -> None:
        """Close the band ``name`` (outlines and their strokes reach 6 px past a matrix) and
        start the next."""
        bottom = cursor["y"] + cursor["line"] + 6
        top = cursor["top"]
        bands.append(Band(name, -6.0, top, cursor["right"] + 12, bottom - top))
        cursor["x"], cursor["y"] = 4.0, cursor["y"] + cursor["line"] + GAP
        cursor["line"], cursor["right"] = 0.0, 0.0
        cursor["top"] = cursor["y"] - 4

    def grid(x0: float, y0: float, n_rows: int, n_cols: int, group: str, title: str) -> float:
        titles.append((x0, y0 + TITLE - 8, title))
        top = y0 + TITLE
        boxes.append(
            Box(group, x0 - 4, top - 4, n_cols * CELL + 8, n_rows * CELL + 8, "group", None)
        )
        return top

    # Row 1: every input channel of X; the zero padding is drawn as a dashed ring.
    rows, cols = range(-p_h, h + p_h), range(-p_w, w + p_w)
    for c in range(c_i):
        x0, y0 = slot(len(cols) * CELL, TITLE + len(rows) * CELL)
        top = grid(x0, y0, len(rows), len(cols), f"xg{c}", f"X[{c}]")
        for a, r in enumerate(rows):
            for b, s in enumerate(cols):
                inside = 0 <= r < h and 0 <= s < w
                text = num(trace.X[c][r][s]) if inside else "0"
                kind = "x" if inside else "pad"
                boxes.append(
                    Box(f"x{c}_{r}_{s}", x0 + b * CELL, top + a * CELL, CELL, CELL, kind, text)
                )
    new_row("x")
    # Row 2: the kernels; K[o] (all its input channels) is outlined as one group.
    group_w = c_i * (k_w * CELL + GAP) - GAP
    for o in range(c_o):
        x0, y0 = slot(group_w + 8, TITLE + k_h * CELL + 8)
        top = y0 + TITLE
        boxes.append(Box(f"kg{o}", x0 - 6, top - 6, group_w + 12, k_h * CELL + 12, "group", None))
        for c in range(c_i):
            kx = x0 + c * (k_w * CELL + GAP)
            titles.append((kx, top - 10, _k_name(trace, o, c)))
            for a in range(k_h):
                for b in range(k_w):
                    text = num(trace.K[o][c][a][b])
                    key = f"k{o}_{c}_{a}_{b}"
                    boxes.append(Box(key, kx + b * CELL, top + a * CELL, CELL, CELL, "k", text))
    new_row("k")
    # Row 3: the output channels, filled in as the steps go.
    for o in range(c_o):
        x0, y0 = slot(w_o * CELL, TITLE + h_o * CELL)
        top = grid(x0, y0, h_o, w_o, f"yg{o}", _y_name(trace, o))
        for i in range(h_o):
            for j in range(w_o):
                flat = (o * h_o + i) * w_o + j
                boxes.append(Box(f"y{flat}", x0 + j * CELL, top + i * CELL, CELL, CELL, "y", ""))
    height = cursor["y"] + cursor["line"] + 6
    new_row("y")
    return Layout(tuple(boxes), tuple(titles), cursor["width"], height, tuple(bands))


def _mark_map(frame: Frame) -> dict[str, list[str]]:
    marks: dict[str, list[str]] = {}
    for key, cls in frame.marks:
        marks.setdefault(key, []).append(cls)
    return marks


_BAND_LABELS = {"x": "Input X", "k": "Kernels K", "y": "Output Y"}


def render_svg(
    trace: Trace, frame: Frame, uid: str, lay: Layout | None = None, scale: float = 1.0
) -> str:
    """The figure of one frame as inline SVG, one ``<svg>`` per band (``X``, ``K``, ``Y``);
    every element id starts with ``uid``. ``scale`` multiplies the drawn size (the live
    widget's large view), never the coordinates."""
    lay = lay or layout(trace)
    marks = _mark_map(frame)
    shapes = {
        "x": trace.x_shape,
        "k": trace.k_shape if trace.multi_out else trace.k_shape[1:],
        "y": trace.out_shape if trace.multi_out else trace.out_shape[1:],
    }
    parts: dict[str, list[str]] = {band.name: [] for band in lay.bands}
    for box in lay.boxes:
        out = parts[box.key[0]]  # keys start with their band's name: x…, k…, y…
        extra = marks.get(box.key, [])
        if box.kind == "group":
            cls = " ".join(["cvs-g", f"cvs-g{box.key[0]}", *extra])
            out.append(
                f'<rect id="{uid}-{box.key}" class="{cls}" x="{box.x:g}" y="{box.y:g}" '
                f'width="{box.w:g}" height="{box.h:g}" rx="5"/>'
            )
            continue
        text = box.text
        if box.kind == "y":
            flat = int(box.key[1:])
            text = frame.out_text[flat]
            if frame.out_state[flat] != ".":
                extra = [*extra, frame.out_state[flat]]
        cls = " ".join(["cvs-c", f"cvs-{box.kind}", *extra])
        cx, cy = box.x + box.w / 2, box.y + box.h / 2
        out.append(
            f'<rect id="{uid}-{box.key}" class="{cls}" x="{box.x:g}" y="{box.y:g}" '
            f'width="{box.w:g}" height="{box.h:g}"/>'
            f'<text id="{uid}-{box.key}t" class="cvs-v" x="{cx:g}" y="{cy:g}">'
            f"{html.escape(text or '')}</text>"
        )
    for x, y, title in lay.titles:
        band = next(b for b in lay.bands if b.y <= y <= b.y + b.h)
        parts[band.name].append(
            f'<text class="cvs-t" x="{x:g}" y="{y:g}">{html.escape(title)}</text>'
        )
    svgs = []
    for band in lay.bands:
        label = f"{_BAND_LABELS[band.name]} {shapes[band.name]}"
        svgs.append(
            f'<svg class="cvs-fig cvs-fig-{band.name}" '
            f'viewBox="{band.x:g} {band.y:g} {band.w:g} {band.h:g}" '
            f'width="{band.w * scale:g}" height="{band.h * scale:g}" role="img" '
            f'aria-label="{html.escape(label)}" xmlns="http://www.w3.org/2000/svg">'
            f"{''.join(parts[band.name])}</svg>"
        )
    return "".join(svgs)


def asset(name: str) -> str:
    """The text of a static file under ``convutils/player/``, as it goes into a page: without
    its comments and indentation, which every page would otherwise carry once per player."""
    text = resources.files("convutils").joinpath("player", name).read_text(encoding="utf-8")
    if name.endswith(".css"):
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    lines = (line.strip() for line in text.splitlines())
    # Only whole-line comments go from the JavaScript: "//" inside a line may be in a string.
    return "\n".join(line for line in lines if line and not line.startswith("//"))


def render_text(frame: Frame) -> str:
    """The narration, products and kernel lines of a frame as HTML (the widget's view)."""
    return (
        f'<p class="cvs-count">{html.escape(frame.counter)}</p>'
        f'<p class="cvs-narr">{html.escape(frame.narration)}</p>'
        f'<p class="cvs-prod">{html.escape(frame.products)}</p>'
        f'<p class="cvs-kern">{html.escape(frame.kernel)}</p>'
    )


def render_step_html(
    trace: Trace,
    frame: Frame,
    uid: str,
    lay: Layout | None = None,
    with_style: bool = True,
    large: bool = False,
) -> str:
    """One frame as HTML (text lines and figure, and the styles unless ``with_style`` is
    false because the page already has them): the live widget's view. ``large`` applies the
    projector styles of the player's "Large view"."""
    style = f"<style>{asset('player.css')}</style>" if with_style else ""
    cls = "cvs cvs-live cvs-large" if large else "cvs cvs-live"
    # The live view runs no script of its own, so its large view is drawn at twice the size
    # here (the player.css rules then set X, K and Y side by side as far as the width allows).
    figure = render_svg(trace, frame, uid, lay, scale=LARGE_SCALE if large else 1.0)
    return (
        f'<div class="{cls}" id="{uid}">{style}'
        f'{render_text(frame)}<div class="cvs-figwrap">{figure}</div>'
        "</div>"
    )


def _frames_json(frames_: list[Frame]) -> list[dict]:
    """The frames as the player reads them. The output grid is not repeated per frame: steps
    run through the output elements in order, so element ``e`` of a frame is current, the ones
    before it are finished (their values are in the trace's ``final`` list) and the ones after
    it blank; a frame only carries the current element's text ``v``."""
    return [
        {
            "m": [list(m) for m in f.marks],
            "e": f.element,
            "v": f.out_text[f.element],
            "n": f.narration,
            "p": f.products,
            "k": f.kernel,
            "c": f.counter,
        }
        for f in frames_
    ]


def _script_json(value: object) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>`` can appear)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def player_html(traces: dict[str, Trace], granularity: str, uid: str, interval_ms: int) -> str:
    """The self-contained static player: HTML, inline SVG, CSS and a little JavaScript.

    ``traces`` maps granularities to traces of the same data; the requested one is always
    embedded, the others while the embedded frames stay under ``FRAME_BUDGET`` bytes. The
    JavaScript only switches classes and places the strings of the embedded frames.
    """
    trace = traces[granularity]
    embedded: dict[str, list[dict]] = {granularity: _frames_json(frames(trace))}
    size = len(_script_json(embedded))
    for g in GRANULARITIES:
        if g in embedded or g not in traces:
            continue
        data = _frames_json(frames(traces[g]))
        extra = len(_script_json(data))
        if size + extra <= FRAME_BUDGET:
            embedded[g] = data
            size += extra
    first = frames(trace)[0]
    n = len(trace.steps)
    options = "".join(
        f'<option value="{g}"{" selected" if g == granularity else ""}>'
        f"{GRANULARITY_LABELS[g]}</option>"
        for g in GRANULARITIES
        if g in embedded
    )
    final = list(final_frame(trace).out_text)
    payload = {"g": granularity, "i": interval_ms, "f": final, "t": embedded}
    c_i, h, w = trace.x_shape
    title = (
        f"Stepper: X ({c_i}, {h}, {w}), {len(trace.steps)} steps {GRANULARITY_LABELS[granularity]}"
    )
    return (
        f'<div class="cvs" id="{uid}" tabindex="0" role="group" aria-label="{html.escape(title)}">'
        f"<style>{asset('player.css')}</style>"
        '<div class="cvs-bar">'
        '<button type="button" data-a="prev"><span aria-hidden="true">&#9664;</span> '
        "Previous step</button>"
        '<button type="button" data-a="play"><span aria-hidden="true" class="cvs-icon">'
        '&#9654;</span> <span class="cvs-pl">Play</span></button>'
        '<button type="button" data-a="next">Next step <span aria-hidden="true">&#9654;'
        "</span></button>"
        f'<label class="cvs-sl">Step <input class="cvs-range" type="range" min="0" '
        f'max="{n - 1}" value="0"></label>'
        f'<span class="cvs-count">{html.escape(first.counter)}</span>'
        f'<label class="cvs-gr">Granularity <select class="cvs-sel">{options}</select></label>'
        '<button type="button" data-a="large" aria-pressed="false">Large view</button>'
        '<button type="button" data-a="full" aria-pressed="false">Full screen</button>'
        "</div>"
        f'<p class="cvs-narr" aria-live="polite">{html.escape(first.narration)}</p>'
        f'<p class="cvs-prod">{html.escape(first.products)}</p>'
        f'<p class="cvs-kern">{html.escape(first.kernel)}</p>'
        f'<div class="cvs-figwrap">{render_svg(trace, first, uid)}</div>'
        '<p class="cvs-help">Keys (click the player first): Left/Right step, Space play or '
        "pause, Home/End first or last step, Esc leaves large view.</p>"
        f'<script type="application/json" class="cvs-data">{_script_json(payload)}</script>'
        f"<script>({asset('player.js').strip()})({json.dumps(uid)});</script>"
        "</div>"
    )


# Fill colours for the PNG (the Okabe-Ito palette, as in player.css).
_PNG_FILL = {"x": "#ffffff", "pad": "#f3f3f3", "k": "#fff4d6", "y": "#e4e4e4"}


def render_png(trace: Trace, scale: float = 1.5) -> bytes:
    """The finished state (every output element filled in) as a PNG, for the PDF build."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    lay = layout(trace)
    final = final_frame(trace)
    fig = Figure(figsize=(lay.width / 100, lay.height / 100), dpi=100 * scale)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, lay.width)
    ax.set_ylim(lay.height, 0)
    ax.axis("off")
    for box in lay.boxes:
        if box.kind == "group":
            continue
        text = final.out_text[int(box.key[1:])] if box.kind == "y" else box.text
        ax.add_patch(
            Rectangle(
                (box.x, box.y),
                box.w,
                box.h,
                facecolor=_PNG_FILL[box.kind],
                edgecolor="#6b6b6b",
                linestyle="--" if box.kind == "pad" else "-",
                linewidth=1,
            )
        )
        ax.text(
            box.x + box.w / 2,
            box.y + box.h / 2,
            text or "",
            ha="center",
            va="center",
            fontsize=11,
            color="#555555" if box.kind == "pad" else "#111111",
        )
    for x, y, title in lay.titles:
        ax.text(x, y, title, ha="left", va="baseline", fontsize=10, fontweight="bold")
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
