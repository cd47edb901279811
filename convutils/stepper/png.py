"""The stepper's finished state as a PNG, for the PDF (which cannot run the front end).

Drawn with matplotlib in the chapter figures' colours (`convutils.plotting`): ``X`` with its
zero padding dashed, the kernels on pale yellow, and every output element filled in.
"""

from __future__ import annotations

import io

from convutils.plotting import EDGE, KERNEL_FACE
from convutils.trace import Trace, number_text

CELL = 1.0  # one matrix cell, in drawing units
GAP = 0.6  # between matrices
ROW_GAP = 1.2  # between the rows X, K and Y
MAX_WIDTH = 16.0  # start a new line of matrices past this width
MAX_NUMBERED = 400  # cells; beyond this the picture shows the grids without their numbers


def _place(sizes: list[tuple[float, float]], top: float) -> tuple[list[tuple[float, float]], float]:
    """Top-left corners for matrices of ``sizes`` placed left to right from ``top``, wrapping
    past ``MAX_WIDTH``; returns the corners and the bottom of the last line."""
    x, y, line, corners = 0.0, top, 0.0, []
    for w, h in sizes:
        if x > 0 and x + w > MAX_WIDTH:
            x, y, line = 0.0, y + line + GAP, 0.0
        corners.append((x, y))
        x += w + GAP
        line = max(line, h)
    return corners, y + line


def render_png(trace: Trace, dpi: int = 120) -> bytes:
    """The finished picture of ``trace``: ``X``, the kernels and the full output ``Y``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PatchCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    (c_i, h, w), (c_o, _, k_h, k_w) = trace.x_shape, trace.k_shape
    p_h, p_w = trace.padding
    _, h_o, w_o = trace.out_shape
    items: list[tuple[str, list[list[str]], list[list[str]], str]] = []  # title, texts, kinds
    for c in range(c_i):
        texts, kinds = [], []
        for r in range(-p_h, h + p_h):
            inside_r = 0 <= r < h
            row_t, row_k = [], []
            for s in range(-p_w, w + p_w):
                inside = inside_r and 0 <= s < w
                row_t.append(number_text(trace.X[c][r][s]) if inside else "0")
                row_k.append("x" if inside else "pad")
            texts.append(row_t)
            kinds.append(row_k)
        items.append((f"X[{c}]", texts, kinds, "x"))
    for o in range(c_o):
        for c in range(c_i):
            title = f"K[{o},{c}]" if trace.multi_out else f"K[{c}]"
            texts = [[number_text(v) for v in row] for row in trace.K[o][c]]
            items.append((title, texts, [["k"] * k_w for _ in range(k_h)], "k"))
    for o in range(c_o):
        title = f"Y[{o}]" if trace.multi_out else "Y"
        if trace.bias is not None:
            title += f" (bias {number_text(trace.bias[o])})"
        texts = [[number_text(v) for v in row] for row in trace.output[o]]
        items.append((title, texts, [["y"] * w_o for _ in range(h_o)], "y"))

    top, placed = 0.0, []
    for band in "xky":
        group = [it for it in items if it[3] == band]
        sizes = [(len(t[0]) * CELL, len(t) * CELL + 0.6) for _, t, _, _ in group]
        corners, bottom = _place(sizes, top)
        placed += list(zip(group, corners, strict=True))
        top = bottom + ROW_GAP
    width = max(x + len(it[1][0]) * CELL for it, (x, _) in placed) + 0.2
    height = top - ROW_GAP + 0.2

    fig = Figure(figsize=(max(2.0, width * 0.45), max(1.5, height * 0.45)), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-0.1, width)
    ax.set_ylim(height, -0.1)
    ax.axis("off")
    faces = {"x": "#ffffff", "pad": "#f3f3f3", "k": KERNEL_FACE, "y": "#ececec"}
    # One collection of rectangles, and numbers only while there are few enough cells to
    # read them (matplotlib draws each text on its own, which is slow by the thousand).
    cells = sum(len(t) * len(t[0]) for _, t, _, _ in items)
    numbered = cells <= MAX_NUMBERED
    rects, face, edge, style = [], [], [], []
    for (title, texts, kinds, _), (x0, y0) in placed:
        ax.text(x0, y0 + 0.4, title, fontsize=9, fontweight="bold", va="baseline")
        for a, row in enumerate(texts):
            for b, text in enumerate(row):
                kind = kinds[a][b]
                y = y0 + 0.6 + a * CELL
                rects.append(Rectangle((x0 + b * CELL, y), CELL, CELL))
                face.append(faces[kind])
                edge.append(EDGE if kind != "pad" else "#6b6b6b")
                style.append("--" if kind == "pad" else "-")
                if numbered:
                    ax.text(
                        x0 + (b + 0.5) * CELL,
                        y + 0.5 * CELL,
                        text,
                        ha="center",
                        va="center",
                        fontsize=9,
                        color="#555555" if kind == "pad" else "#111111",
                    )
    ax.add_collection(
        PatchCollection(rects, facecolors=face, edgecolors=edge, linestyles=style, linewidths=0.8)
    )
    out = io.BytesIO()
    fig.savefig(out, format="png", facecolor="white")
    return out.getvalue()
