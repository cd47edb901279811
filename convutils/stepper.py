"""``convutils.stepper``: step a shaded window across the example, live or in the static book.

Section "Multiple Input and Multiple Output Channels" of *Dive into Deep Learning*. The
object :func:`stepper` returns displays itself three ways in one ``_repr_mimebundle_``:

- ``application/vnd.jupyter.widget-view+json``: ipywidgets controls (play, previous/next, a
  step slider, the granularity, editable ``X``, ``K``, padding and stride) for a live kernel;
  JupyterLab ranks the widget view first;
- ``text/html``: a self-contained player (inline SVG, CSS and a little JavaScript that only
  shows the frames precomputed here), which the HTML book selects through
  ``nb_mime_priority_overrides``;
- ``image/png``: the finished picture, which the PDF build selects.

Every number comes from :func:`convutils.trace.trace_steps`.
"""

from __future__ import annotations

import ast
import base64
import itertools
from typing import Any

import numpy as np

from convutils import stepper_render as render
from convutils._backend import to_numpy
from convutils.trace import (
    GRANULARITIES,
    Granularity,
    IntOrPair,
    Trace,
    check_trace_input,
    trace_steps,
)

# Beyond this many products per granularity the widget refuses an edit: stepping through
# thousands of steps teaches nothing, and the player would grow past its size budget.
MAX_PRODUCTS = 3000
_uids = itertools.count(1)


def _new_uid(kind: str) -> str:
    """A page-unique id prefix: a counter plus random bits, so two players never clash even
    when two notebooks' outputs end up on one page."""
    import secrets

    return f"cvs-{kind}{next(_uids)}-{secrets.token_hex(3)}"


def _checked_trace(
    fn: str, X: Any, K: Any, padding: IntOrPair, stride: IntOrPair, granularity: str
) -> Trace:
    """:func:`trace_steps`, refusing data with more than ``MAX_PRODUCTS`` products before
    any of them is traced (the count comes from the checked shapes)."""
    _, _, h_o, w_o = check_trace_input(X, K, padding, stride, granularity)
    c_o = K.shape[0] if K.ndim == 4 else 1
    count = c_o * h_o * w_o * X.shape[0] * K.shape[-2] * K.shape[-1]
    if count > MAX_PRODUCTS:
        raise ValueError(
            f"{fn}: X {tuple(X.shape)} and K {tuple(K.shape)} give {count} products; "
            f"the stepper shows at most {MAX_PRODUCTS}: use smaller arrays"
        )
    return trace_steps(X, K, padding, stride, granularity)


def _nested_text(a: np.ndarray) -> str:
    """An array as nested lists, one matrix row per line, for the editable text boxes."""
    return np.array2string(a, separator=", ", threshold=10_000, max_line_width=60)


def parse_array(name: str, text: str, ndims: tuple[int, ...]) -> np.ndarray:
    """Read a nested list of numbers typed into the widget; ``ValueError`` names the problem."""
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError(
            f"{name}: could not read the text as nested lists of numbers, "
            f"for example [[[0, 1], [2, 3]]]"
        ) from None
    try:
        arr = np.array(value)
    except ValueError:
        raise ValueError(
            f"{name}: the rows or channels have different lengths; every row of a matrix "
            f"needs the same number of values"
        ) from None
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{name}: every entry must be a number (int or float)")
    if arr.ndim not in ndims:
        dims = " or ".join(str(d) for d in ndims)
        raise ValueError(
            f"{name}: expected {dims} levels of nesting, got {arr.ndim} (shape {arr.shape})"
        )
    return arr


def parse_pair(name: str, text: str) -> int | tuple[int, int]:
    """``"1"`` -> 1, ``"1, 2"`` -> (1, 2); ``ValueError`` for anything else."""
    parts = [p.strip() for p in text.replace("(", "").replace(")", "").split(",")]
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise ValueError(f"{name}: type an integer or two separated by a comma") from None
    if len(values) == 1:
        return values[0]
    if len(values) == 2:
        return (values[0], values[1])
    raise ValueError(f"{name}: type an integer or two separated by a comma")


class Stepper:
    """The result of :func:`stepper`: the trace plus its widget and static renderings."""

    def __init__(
        self,
        X: Any,
        K: Any,
        padding: IntOrPair = 0,
        stride: IntOrPair = 1,
        granularity: Granularity = "channel",
        interval_ms: int = 900,
    ) -> None:
        # Validate now, so a bad call fails at once with the library's own message.
        self._trace = _checked_trace("stepper", X, K, padding, stride, granularity)
        self.X = np.array(to_numpy(X))
        self.K = np.array(to_numpy(K))
        self.padding = padding
        self.stride = stride
        self.granularity = granularity
        self.interval_ms = interval_ms
        self._widget: StepperWidget | None = None

    @property
    def trace(self) -> Trace:
        """The current trace (after any edit made in the widget)."""
        return self._widget.trace if self._widget is not None else self._trace

    @property
    def widget(self) -> StepperWidget:
        """The ipywidgets view, created on first use."""
        if self._widget is None:
            self._widget = StepperWidget(self)
        return self._widget

    def traces(self) -> dict[str, Trace]:
        """The current data traced at every granularity (for the player's granularity list)."""
        src = self._widget if self._widget is not None else self
        return {
            g: trace_steps(src.X, src.K, src.padding, src.stride, g)
            if g != self.trace.granularity
            else self.trace
            for g in GRANULARITIES
        }

    def player_html(self) -> str:
        """The self-contained static player for the current data."""
        t = self.trace
        return render.player_html(self.traces(), t.granularity, _new_uid("p"), self.interval_ms)

    def png(self) -> bytes:
        """The finished state as a PNG."""
        return render.render_png(self.trace)

    def __repr__(self) -> str:
        t = self.trace
        c_o, h_o, w_o = t.out_shape
        out = [list(map(list, plane)) for plane in t.output]
        shown = out if t.multi_out else out[0]
        k_shape = t.k_shape if t.multi_out else t.k_shape[1:]
        return (
            f"Stepper over X {t.x_shape} and K {k_shape}: {len(t.steps)} steps "
            f"({render.GRANULARITY_LABELS[t.granularity]}), output {shown}"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        bundle = {
            "text/plain": repr(self),
            "text/html": self.player_html(),
            "image/png": base64.b64encode(self.png()).decode("ascii"),
        }
        # The widget container's own bundle carries the model id JupyterLab renders.
        # ipywidgets sets a closed widget's _repr_mimebundle_ to None: then only the player.
        widget_bundle = self.widget.box._repr_mimebundle_
        view = (widget_bundle() if callable(widget_bundle) else None) or {}
        key = "application/vnd.jupyter.widget-view+json"
        if key in view:
            bundle[key] = view[key]
        return bundle


def stepper(
    X: Any,
    K: Any,
    padding: IntOrPair = 0,
    stride: IntOrPair = 1,
    granularity: Granularity = "channel",
    interval_ms: int = 900,
    name: str | None = None,
    bias: Any = None,
) -> Stepper:
    """Step through the correlation of ``X (c_i, h, w)`` with ``K (c_i, k_h, k_w)`` or
    ``K (c_o, c_i, k_h, k_w)``, one output element, channel or product at a time.

    Display the result in a notebook: a live kernel shows ipywidgets controls, the HTML book a
    self-contained player, the PDF a picture of the finished output. ``padding`` and
    ``stride`` are as in :func:`convutils.corr2d_multi_in_out`; ``granularity`` is
    ``"element"``, ``"channel"`` (the default) or ``"product"``. ``name`` is the stepper's
    stable name on its page (an address ``page.html#NAME/step-5`` opens that step);
    ``bias (c_o,)`` is added as the last term of every output element.
    """
    # name and bias are accepted here first; the new front end (issue 9) uses them.
    del name, bias
    return Stepper(X, K, padding, stride, granularity, interval_ms)


class StepperWidget:
    """The live view: ipywidgets controls around an HTML view of the current step.

    Edits re-run :func:`convutils.trace.trace_steps`; bad input shows a message in the
    widget and keeps the last valid trace.
    """

    def __init__(self, owner: Stepper) -> None:
        import ipywidgets as W

        self.X, self.K = owner.X, owner.K
        self.padding, self.stride = owner.padding, owner.stride
        self.trace = owner._trace
        self._frames = render.frames(self.trace)
        self._layout = render.layout(self.trace)
        self.uid = _new_uid("w")
        n = len(self.trace.steps)

        # One shared Layout for every widget that needs no sizing of its own: each Layout is
        # a model of its own, and the executed book page stores every model's state.
        plain = W.Layout()
        self.play = W.Play(
            value=1,
            min=1,
            max=n,
            interval=owner.interval_ms,
            description="Play",
            tooltip="Play",
            layout=plain,
        )
        self.prev = W.Button(description="Previous step", tooltip="Previous step", layout=plain)
        self.next = W.Button(description="Next step", tooltip="Next step", layout=plain)
        # Steps are numbered from 1 on screen, as in the "Step 3 of 8" line of the view.
        self.slider = W.IntSlider(
            value=1, min=1, max=n, description="Step", continuous_update=True, layout=plain
        )
        W.jslink((self.play, "value"), (self.slider, "value"))
        self.granularity = W.ToggleButtons(
            options=[(render.GRANULARITY_LABELS[g], g) for g in GRANULARITIES],
            value=self.trace.granularity,
            description="Granularity",
            layout=plain,
        )
        self.large = W.ToggleButton(
            value=False, description="Large view", tooltip="Large view", layout=plain
        )
        # The styles go once into their own HTML widget, not into every step's update.
        style = W.HTML(f"<style>{render.asset('player.css')}</style>", layout=plain)
        self.view = W.HTML(layout=plain)
        self.message = W.HTML(layout=plain)
        area = W.Layout(width="22em", height="9em")
        small = W.Layout(width="14em")
        self.x_text = W.Textarea(
            value=_nested_text(self.X), description="X", continuous_update=False, layout=area
        )
        self.k_text = W.Textarea(
            value=_nested_text(self.K), description="K", continuous_update=False, layout=area
        )
        self.pad_text = W.Text(
            value=str(self.padding).strip("()"),
            description="padding",
            continuous_update=False,
            layout=small,
        )
        self.stride_text = W.Text(
            value=str(self.stride).strip("()"),
            description="stride",
            continuous_update=False,
            layout=small,
        )
        editors = W.VBox(
            [
                W.HTML(
                    "<b>Edit the data</b> (nested lists; the view updates when you leave a box)",
                    layout=plain,
                ),
                W.HBox([self.x_text, self.k_text], layout=plain),
                W.HBox([self.pad_text, self.stride_text], layout=plain),
            ],
            layout=plain,
        )
        self.box = W.VBox(
            [
                W.HBox([self.play, self.prev, self.next, self.slider, self.large], layout=plain),
                self.granularity,
                style,
                self.view,
                self.message,
                editors,
            ],
            layout=plain,
        )
        self.prev.on_click(lambda _: self.set_step(self.step - 1))
        self.next.on_click(lambda _: self.set_step(self.step + 1))
        self.slider.observe(lambda _: self.render(), names="value")
        self.large.observe(lambda _: self.render(), names="value")
        self.granularity.observe(lambda _: self.recompute(), names="value")
        for box in (self.x_text, self.k_text, self.pad_text, self.stride_text):
            box.observe(lambda _: self.recompute(), names="value")
        self.render()

    @property
    def step(self) -> int:
        """The index (from 0) of the step on show."""
        return self.slider.value - 1

    def set_step(self, index: int) -> None:
        """Show step ``index`` (clamped to the first and last step)."""
        self.slider.value = max(0, min(len(self.trace.steps) - 1, index)) + 1
        self.render()

    def render(self) -> None:
        """Draw the current step into the HTML view."""
        n = min(self.step, len(self._frames) - 1)
        self.view.value = render.render_step_html(
            self.trace,
            self._frames[n],
            self.uid,
            self._layout,
            with_style=False,
            large=self.large.value,
        )

    def recompute(self) -> None:
        """Re-read every editor and re-trace; on bad input keep the last valid state."""
        try:
            X = parse_array("X", self.x_text.value, (3,))
            K = parse_array("K", self.k_text.value, (3, 4))
            padding = parse_pair("padding", self.pad_text.value)
            stride = parse_pair("stride", self.stride_text.value)
            trace = _checked_trace("X and K", X, K, padding, stride, self.granularity.value)
        except (ValueError, TypeError) as err:
            self.message.value = (
                '<div role="alert" style="color:#8a1c00;border:2px solid #D55E00;'
                'padding:0.3em 0.6em;border-radius:4px">'
                f"<b>Not applied:</b> {_escape(str(err))}.<br>The view keeps the last valid "
                "data.</div>"
            )
            return
        self.message.value = ""
        self.X, self.K, self.padding, self.stride = X, K, padding, stride
        self.trace = trace
        self._frames = render.frames(trace)
        self._layout = render.layout(trace)
        # Setting max clamps the slider's value, so it never points past the last step.
        self.play.max = self.slider.max = len(trace.steps)
        self.render()


def _escape(text: str) -> str:
    import html

    return html.escape(text)
