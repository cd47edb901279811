"""The stepper as an anywidget: one front end (``stepper.js`` + ``stepper.css``) for a live
kernel and for the HTML book.

Section "Multiple Input and Multiple Output Channels" of *Dive into Deep Learning*. The object
:func:`stepper` returns displays itself three ways in one ``_repr_mimebundle_``:

- ``application/vnd.jupyter.widget-view+json``: the live widget (JupyterLab, Notebook 7,
  VS Code, Colab); its synced traits are the data (``X``, ``K``, ``bias``, ``padding``,
  ``stride``, ``granularity``) and the ``step`` on show, so Python can read and set them;
- ``text/html``: the same module and CSS inlined with the state as JSON and a small model
  object, so the book's pages run the very same ``render`` without a kernel (the book picks
  this one through ``nb_mime_priority_overrides``);
- ``image/png``: the finished output, drawn with matplotlib, for the PDF.

The front end recomputes every step in the browser; tests/test_stepper_parity.py checks that
its frames equal :func:`convutils.trace.trace_steps`, number for number and word for word.
"""

from __future__ import annotations

import base64
import html
import json
from functools import cache
from importlib import resources
from typing import Any

import anywidget
import numpy as np
import traitlets

from convutils._backend import is_tensor, to_numpy
from convutils.checks import as_pair
from convutils.trace import (
    GRANULARITIES,
    Granularity,
    IntOrPair,
    Trace,
    check_trace_input,
    trace_steps,
)

# Beyond this many products the stepper refuses the data: stepping through thousands of steps
# teaches nothing. The front end (stepper.js, MAX_PRODUCTS) uses the same limit.
MAX_PRODUCTS = 3000
DATA = ("X", "K", "bias", "padding", "stride", "granularity")


@cache
def asset(name: str) -> str:
    """The text of ``stepper.js`` or ``stepper.css``."""
    return resources.files("convutils.stepper").joinpath(name).read_text(encoding="utf-8")


class StepperValueError(traitlets.TraitError, ValueError):
    """A bad value for a stepper trait: a ``ValueError`` with the library's message (and a
    ``TraitError``, so traitlets rolls back every trait set together with it)."""


class StepperTypeError(traitlets.TraitError, TypeError):
    """A value of the wrong kind for a stepper trait (a ``TypeError``)."""


def _nested(name: str, value: Any, ndims: tuple[int, ...]) -> list:
    """``value`` (nested lists, a numpy array or a torch tensor) as nested lists of Python
    numbers with one of ``ndims`` levels; the messages are the front end's (``checkNested``)."""
    if is_tensor(value) or isinstance(value, np.ndarray):
        arr = np.asarray(to_numpy(value))
    else:
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
    return arr.tolist()


def _pair(name: str, value: Any) -> int | list[int]:
    """``padding`` or ``stride`` as the front end keeps it: an int or a two-item list."""
    if isinstance(value, np.integer):
        value = int(value)
    if isinstance(value, tuple | list | np.ndarray):
        value = [int(v) if isinstance(v, np.integer) else v for v in value]
    # Only the kind (an int or two); check_state checks the range with the other rules.
    as_pair("stepper", name, tuple(value) if isinstance(value, list) else value, -(2**62))
    return value


def normalize(name: str, value: Any) -> Any:
    """A data trait's value in the form it is synced: nested lists, ints, strings."""
    if name == "X":
        return _nested("X", value, (3,))
    if name == "K":
        return _nested("K", value, (3, 4))
    if name == "bias":
        return None if value is None else _nested("bias", value, (1,))
    if name in ("padding", "stride"):
        return _pair(name, value)
    return value


def check_state(state: dict) -> tuple[int, int]:
    """Check the stepper's data with the library's rules (the front end's ``checkState``
    words every message the same way); returns ``(products, steps)``."""
    X, K = np.array(state["X"]), np.array(state["K"])
    bias = None if state.get("bias") is None else np.array(state["bias"])
    padding, stride = state["padding"], state["stride"]
    padding = tuple(padding) if isinstance(padding, list) else padding
    stride = tuple(stride) if isinstance(stride, list) else stride
    g = state["granularity"]
    _, _, h_o, w_o = check_trace_input(X, K, padding, stride, g, bias, fn="stepper")
    c_o = K.shape[0] if K.ndim == 4 else 1
    c_i, k_h, k_w = K.shape[-3:]
    count = c_o * h_o * w_o * c_i * k_h * k_w
    if count > MAX_PRODUCTS:
        raise ValueError(
            f"stepper: X {tuple(X.shape)} and K {tuple(K.shape)} give {count} products; "
            f"the stepper shows at most {MAX_PRODUCTS}: use smaller arrays"
        )
    per_element = {"element": 1, "channel": c_i, "product": c_i * k_h * k_w}[g]
    steps = c_o * h_o * w_o * (per_element + (bias is not None and g != "element"))
    return count, steps


class Stepper(anywidget.AnyWidget):
    """The stepper: a live widget in Jupyter, a self-contained player in the HTML book and a
    picture in the PDF. Create it with :func:`stepper`.

    Its traits are synced with the front end: ``X``, ``K``, ``bias``, ``padding``, ``stride``
    and ``granularity`` (the data, as nested lists), and ``step``, counted from 1 as on screen
    (``s.step = 5`` shows "Step 5 of 8"). Setting a bad value raises the library's
    ``ValueError`` and keeps the last valid state; set several at once with :meth:`update`.
    """

    _esm = asset("stepper.js")
    _css = asset("stepper.css")

    X = traitlets.Any().tag(sync=True)
    K = traitlets.Any().tag(sync=True)
    bias = traitlets.Any(None, allow_none=True).tag(sync=True)
    padding = traitlets.Any(0).tag(sync=True)
    stride = traitlets.Any(1).tag(sync=True)
    granularity = traitlets.Unicode("channel").tag(sync=True)
    step = traitlets.Int(1).tag(sync=True)
    name = traitlets.Unicode("").tag(sync=True)
    interval_ms = traitlets.Int(900).tag(sync=True)
    # The chapter's example, which the Reset button brings back.
    example = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        X: Any,
        K: Any,
        padding: IntOrPair = 0,
        stride: IntOrPair = 1,
        granularity: Granularity = "channel",
        interval_ms: int = 900,
        name: str | None = None,
        bias: Any = None,
    ) -> None:
        given = {"X": X, "K": K, "bias": bias, "padding": padding, "stride": stride}
        data = {k: _guard(normalize, k, v) for k, v in given.items()}
        data["granularity"] = granularity
        _guard(check_state, data)
        super().__init__(
            **data, step=1, name=name or "", interval_ms=interval_ms, example=dict(data)
        )

    def _state(self, **change: Any) -> dict:
        state = {k: getattr(self, k) for k in DATA}
        state.update(change)
        return state

    @traitlets.validate(*DATA)
    def _check_data(self, proposal: Any) -> Any:
        name = proposal["trait"].name
        value = _guard(normalize, name, proposal["value"])
        _guard(check_state, self._state(**{name: value}))
        return value

    @traitlets.validate("step")
    def _check_step(self, proposal: Any) -> int:
        _, steps = _guard(check_state, self._state())
        value = proposal["value"]
        if not 1 <= value <= steps:
            raise StepperValueError(f"stepper: step must be between 1 and {steps}, got {value}")
        return value

    @traitlets.observe(*DATA)
    def _keep_step_in_range(self, change: Any) -> None:
        _, steps = check_state(self._state())
        if self.step > steps:
            self.step = steps

    def update(self, **data: Any) -> None:
        """Set several data traits at once (``s.update(X=..., K=...)``), checked together:
        on a bad value none of them changes."""
        with self.hold_trait_notifications():
            for key, value in data.items():
                if key not in DATA:
                    raise ValueError(f"stepper: update() takes {', '.join(DATA)}, got {key!r}")
                setattr(self, key, value)

    @property
    def trace(self) -> Trace:
        """:func:`convutils.trace.trace_steps` of the current data."""
        s = self._state()
        bias = None if s["bias"] is None else np.array(s["bias"])
        return trace_steps(
            np.array(s["X"]),
            np.array(s["K"]),
            _tuple(s["padding"]),
            _tuple(s["stride"]),
            s["granularity"],
            bias,
        )

    def png(self) -> bytes:
        """The finished output as a PNG (the PDF shows it)."""
        from convutils.stepper.png import render_png

        return render_png(self.trace)

    def static_state(self) -> dict:
        """The state a page embeds for the front end: the synced traits, and ``host``."""
        state = {k: getattr(self, k) for k in (*DATA, "step", "name", "interval_ms", "example")}
        state["host"] = "page"
        return state

    def player_html(self) -> str:
        """The self-contained player for the HTML book: this state, the module and the CSS."""
        return player_html(self.static_state())

    def __repr__(self) -> str:
        t = self.trace
        out = [list(map(list, plane)) for plane in t.output]
        shown = out if t.multi_out else out[0]
        k_shape = t.k_shape if t.multi_out else t.k_shape[1:]
        return (
            f"Stepper over X {t.x_shape} and K {k_shape}: {len(t.steps)} steps "
            f"(per {t.granularity}), output {shown}"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        shown = super()._repr_mimebundle_(**kwargs)
        data, metadata = shown if shown else ({}, {})
        data = dict(data)
        data["text/plain"] = repr(self)
        data["text/html"] = self.player_html()
        data["image/png"] = base64.b64encode(self.png()).decode("ascii")
        return data, metadata


def _tuple(value: Any) -> Any:
    """A synced ``[h, w]`` list as the ``(h, w)`` pair the library takes."""
    return tuple(value) if isinstance(value, list) else value


def _guard(fn: Any, *args: Any) -> Any:
    """``fn(*args)``, its ValueError/TypeError re-raised as the trait errors above (same
    message), so traitlets keeps the last valid state."""
    try:
        return fn(*args)
    except (StepperValueError, StepperTypeError):
        raise
    except ValueError as err:
        raise StepperValueError(str(err)) from None
    except TypeError as err:
        raise StepperTypeError(str(err)) from None


def _script_text(text: str) -> str:
    """Text that is safe inside a ``<script>`` element: nothing in it can close the element."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


# Appended to the module in the page: start every stepper of the page not yet started. A
# module script runs after the page is parsed, so the first one starts them all; as an inline
# module it needs no URL to import from (no blob:, works over http and from file://).
_BOOT = """
for (const box of document.querySelectorAll(".cvs-static:not([data-cvs-on])")) {
  box.setAttribute("data-cvs-on", "");
  const view = box.querySelector(".cvs-host");
  view.textContent = "";
  const state = JSON.parse(box.querySelector("script.cvs-state").textContent);
  render({ model: staticModel(state), el: view });
}
"""


def player_html(state: dict) -> str:
    """The static player: a host element, the CSS, the state, and the module (with a few
    lines that render it with a model that needs no kernel)."""
    module = asset("stepper.js")
    # The module goes inline; "</script" inside it would end the element.
    assert "</script" not in module.lower()
    state_json = json.dumps(state, separators=(",", ":"), ensure_ascii=False)
    title = html.escape(state.get("name") or "stepper")
    return (
        f'<div class="cvs-static" data-name="{title}">'
        f"<style>{asset('stepper.css')}</style>"
        '<div class="cvs-host">The stepper needs JavaScript; the PDF shows its last step.</div>'
        f'<script type="application/json" class="cvs-state">{_script_text(state_json)}</script>'
        f'<script type="module">{module}{_BOOT}</script>'
        "</div>"
    )


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

    Display the result in a notebook: a live kernel shows the widget, the HTML book the same
    stepper without a kernel, the PDF a picture of the finished output. ``padding`` and
    ``stride`` are as in :func:`convutils.corr2d_multi_in_out`; ``granularity`` is
    ``"element"``, ``"channel"`` (the default) or ``"product"``; ``bias (c_o,)`` is added as
    the last term of every output element. ``name`` is the stepper's stable name on its page:
    the address ``page.html#NAME/step-5`` opens that stepper at step 5 (in JupyterLab,
    ``.../lab/tree/chapter.ipynb#NAME/step-5`` does, once the cell has run).
    """
    if granularity not in GRANULARITIES:
        check_trace_input(X, K, padding, stride, granularity, fn="stepper")
    return Stepper(X, K, padding, stride, granularity, interval_ms, name, bias)
