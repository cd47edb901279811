"""The ordered steps of a multi-channel cross-correlation, for the steppers to show.

Section "Multiple Input and Multiple Output Channels" of *Dive into Deep Learning*: every
output element ``Y[o, i, j]`` is the sum, over input channels ``c``, of the window of
``X[c]`` under ``K[o, c]`` multiplied element-wise by ``K[o, c]``. :func:`trace_steps` lists
that computation one step at a time, so a reader can watch each element accumulate. Every
number here is computed in Python from the arrays; the players only display it, and the tests
check the last running total of every element against :func:`convutils.corr2d_multi_in_out`.

Three granularities:

- ``"element"``: one step per output element (all channels at once);
- ``"channel"``: one step per (output element, input channel), the section's "add up the
  channels" view;
- ``"product"``: one step per single product ``X[c, r, s] * K[o, c, a, b]``.

With a ``bias (c_o,)`` every output element ends with one more term, ``+ bias[o]``: a step
of its own (``"channel"``, ``"product"``) or the last term of the element's sum
(``"element"``).

The stepper's front end (``convutils/stepper/stepper.js``) computes the same steps in the
browser; :func:`fmt` is the one number format both print, and the tests compare the two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from convutils._backend import is_tensor, to_numpy
from convutils.checks import as_pair, check_arrays, check_bias, check_channels, output_hw

Number = int | float
Granularity = Literal["element", "channel", "product"]
GRANULARITIES: tuple[str, ...] = ("element", "channel", "product")
IntOrPair = int | tuple[int, int]


@dataclass(frozen=True)
class Product:
    """One product ``X[channel, row, col] * K[o, channel, k_row, k_col]``.

    ``row`` and ``col`` are in ``X``'s own coordinates, so they are negative or past the edge
    when the window lies on the zero padding (``padded`` is then true and ``x`` is 0).
    """

    channel: int
    row: int
    col: int
    k_row: int
    k_col: int
    x: Number
    k: Number
    value: Number
    padded: bool


@dataclass(frozen=True)
class Step:
    """One step of the trace.

    ``channels`` are the input channels this step covers (all of them for ``"element"``);
    ``rows`` and ``cols`` the window's rows and columns in ``X`` coordinates; ``products`` this
    step's products; ``channel_sums`` each covered channel's partial sum so far (for
    ``"product"``, the sum of the channel's products up to this one); ``partial_sum`` the sum
    of this step's products; ``running_total`` the output element's value after this step.
    """

    index: int
    out_channel: int
    out_row: int
    out_col: int
    output_label: str
    channels: tuple[int, ...]
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    products: tuple[Product, ...]
    channel_sums: tuple[Number, ...]
    partial_sum: Number
    running_total: Number
    finishes_element: bool
    granularity: str
    bias: Number | None = None
    """The bias ``b[o]`` this step adds (a bias step, or an ``"element"`` step with a bias)."""

    def products_text(self) -> str:
        """``"1×1 + 2×2 + 4×3 + 5×4"`` for this step's products (per channel, in brackets,
        when the step covers several channels)."""
        groups = [[p for p in self.products if p.channel == c] for c in self.channels]
        texts = [" + ".join(f"{fmt(p.x)}×{fmt(p.k)}" for p in g) for g in groups]
        if len(texts) == 1 or len(self.products) == len(self.channels):
            return " + ".join(texts)
        return " + ".join(f"({t})" for t in texts)

    def narration(self) -> str:
        """One line saying what this step adds, for example
        ``Y[0,0] += channel 1: 1×1 + 2×2 + 4×3 + 5×4 = 37 → 56``. A real multiplication sign
        and arrow, because ASCII ``0x0`` reads like a hexadecimal literal."""
        y = self.output_label
        total = fmt(self.running_total)
        if not self.channels:  # the bias step of "channel" and "product"
            return f"{y} += bias {fmt(self.partial_sum)} → {total}"
        if self.granularity == "element":
            terms = [fmt(s) for s in self.channel_sums]
            bias = "" if self.bias is None else f" + {fmt(self.bias)}"
            if self.bias is not None:
                terms.append(fmt(self.bias))
            if len(self.channel_sums) == 1 or len(self.products) == len(self.channels):
                # One channel, or one product per channel (a 1x1 kernel): a plain weighted
                # sum across channels, with no per-channel subtotals to show.
                if self.bias is None:
                    return f"{y} = {self.products_text()} = {total}"
                return f"{y} = {self.products_text()}{bias} = {total}"
            return f"{y} = {self.products_text()}{bias} = {' + '.join(terms)} = {total}"
        c = self.channels[0]
        text = f"{y} += channel {c}: {self.products_text()} = {fmt(self.partial_sum)}"
        return f"{text} → {total}"


@dataclass(frozen=True)
class Trace:
    """All steps of one correlation, with the data they came from.

    ``X`` is ``(c_i, h, w)`` and ``K`` ``(c_o, c_i, k_h, k_w)`` as nested tuples of Python
    numbers (a 3-D kernel is read as ``c_o = 1``; ``multi_out`` records which was given);
    ``output`` is ``(c_o, h_o, w_o)``: every element's last running total.
    """

    X: tuple
    K: tuple
    multi_out: bool
    padding: tuple[int, int]
    stride: tuple[int, int]
    granularity: str
    out_shape: tuple[int, int, int]
    output: tuple
    steps: tuple[Step, ...]
    bias: tuple | None = None

    @property
    def x_shape(self) -> tuple[int, int, int]:
        """``(c_i, h, w)``."""
        return (len(self.X), len(self.X[0]), len(self.X[0][0]))

    @property
    def k_shape(self) -> tuple[int, int, int, int]:
        """``(c_o, c_i, k_h, k_w)`` (``c_o = 1`` for a 3-D kernel)."""
        K = self.K
        return (len(K), len(K[0]), len(K[0][0]), len(K[0][0][0]))


# Powers of ten as literals, so Python and JavaScript use the very same doubles.
_POW10 = {e: float(f"1e{e}") for e in range(-13, 16)}


def number_text(v: Number) -> str:
    """A number as every stepper prints it (the front end's ``numberText`` does the same).

    Whole numbers exactly (``3``, ``-12``, ``2.0`` as ``2``); any other value rounded to 4
    significant digits (at most 12 decimals) with trailing zeros dropped: ``0.1235``,
    ``-2.5``, ``1235``. The rounding is ``floor(|v| * 10**d + 0.5)`` on doubles, which Python
    and JavaScript compute identically (``format(v, ".4g")`` and ``toPrecision`` differ on
    ties and exponents).
    """
    if isinstance(v, int):
        return str(v)
    v = float(v)
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    if v.is_integer():
        return str(int(v))
    a = abs(v)
    e = 0
    if a >= 1:
        while e < 15 and a >= _POW10[e + 1]:
            e += 1
    else:
        while e > -13 and a < _POW10[e]:
            e -= 1
    d = min(max(3 - e, 0), 12)
    r = math.floor(a * _POW10[d] + 0.5)
    if r == 0:
        return "0"
    digits = str(r)
    if d > 0:
        digits = digits.rjust(d + 1, "0")
        digits = (digits[:-d] + "." + digits[-d:]).rstrip("0").rstrip(".")
    return ("-" if v < 0 else "") + digits


def fmt(v: Number) -> str:
    """:func:`number_text`, with a negative number in brackets so ``2×(-1)`` reads
    unambiguously."""
    text = number_text(v)
    return f"({text})" if text.startswith("-") else text


def _to_lists(a: Any, dtype: np.dtype) -> list:
    """Nested Python lists of ``a``'s values in ``dtype`` (numpy array or torch tensor)."""
    return np.asarray(to_numpy(a)).astype(dtype, copy=False).tolist()


def check_trace_input(
    X: Any,
    K: Any,
    padding: IntOrPair = 0,
    stride: IntOrPair = 1,
    granularity: str = "channel",
    bias: Any = None,
    fn: str = "trace_steps",
) -> tuple[tuple[int, int], tuple[int, int], int, int]:
    """Check :func:`trace_steps`' arguments; returns ``(padding, stride, h_o, w_o)``.

    Raises ``ValueError``/``TypeError`` with messages that start with ``fn:``.
    """
    if granularity not in GRANULARITIES:
        raise ValueError(
            f"{fn}: granularity must be one of {', '.join(map(repr, GRANULARITIES))}, "
            f"got {granularity!r}"
        )
    k_dims = "(c_i, k_h, k_w)" if getattr(K, "ndim", None) == 3 else "(c_o, c_i, k_h, k_w)"
    check_arrays(fn, X, K, "(c_i, h, w)", k_dims)
    check_channels(fn, X, K)
    pad = as_pair(fn, "padding", padding, minimum=0)
    st = as_pair(fn, "stride", stride, minimum=1)
    h_o, w_o = output_hw(fn, tuple(X.shape), tuple(K.shape), pad, st)
    check_bias(fn, bias, X, K if K.ndim == 4 else K[None])
    return pad, st, h_o, w_o


def trace_steps(
    X: Any,
    K: Any,
    padding: IntOrPair = 0,
    stride: IntOrPair = 1,
    granularity: Granularity = "channel",
    bias: Any = None,
) -> Trace:
    """The ordered steps of correlating ``X (c_i, h, w)`` with ``K (c_i, k_h, k_w)`` or
    ``K (c_o, c_i, k_h, k_w)``, with zero ``padding`` and ``stride`` (an int or an ``(h, w)``
    pair, as in :func:`convutils.corr2d_multi_in_out`), and an optional ``bias (c_o,)``
    (``(1,)`` for a 3-D kernel) added as the last term of every output element.

    Steps run over output channels, then output rows, then output columns, then input
    channels, then window rows and columns, and are grouped by ``granularity``
    (``"element"``, ``"channel"`` or ``"product"``). Raises ``ValueError``/``TypeError`` for
    malformed input, with the same messages as the correlation functions.
    """
    pad, st, h_o, w_o = check_trace_input(X, K, padding, stride, granularity, bias)
    k_ndim = K.ndim

    # Python numbers in the dtype ``X * K (+ bias)`` has, so integer examples stay exact.
    arrays = (X, K) if bias is None else (X, K, bias)
    dtype = np.result_type(
        *(str(a.dtype).removeprefix("torch.") if is_tensor(a) else a.dtype for a in arrays)
    )
    xs = _to_lists(X, dtype)
    ks = _to_lists(K if k_ndim == 4 else K[None], dtype)
    bs = None if bias is None else _to_lists(bias, dtype)
    zero = dtype.type(0).item()
    c_o, c_i, k_h, k_w = len(ks), len(xs), len(ks[0][0]), len(ks[0][0][0])
    h, w = len(xs[0]), len(xs[0][0])

    steps: list[Step] = []
    output = [[[zero] * w_o for _ in range(h_o)] for _ in range(c_o)]
    for o in range(c_o):
        for i in range(h_o):
            for j in range(w_o):
                label = f"Y[{o},{i},{j}]" if k_ndim == 4 else f"Y[{i},{j}]"
                rows = tuple(range(i * st[0] - pad[0], i * st[0] - pad[0] + k_h))
                cols = tuple(range(j * st[1] - pad[1], j * st[1] - pad[1] + k_w))
                # Every product of this element, grouped by input channel.
                by_channel: list[list[Product]] = []
                for c in range(c_i):
                    group = []
                    for a, r in enumerate(rows):
                        for b, s in enumerate(cols):
                            inside = 0 <= r < h and 0 <= s < w
                            x = xs[c][r][s] if inside else zero
                            k = ks[o][c][a][b]
                            group.append(Product(c, r, s, a, b, x, k, x * k, not inside))
                    by_channel.append(group)
                if granularity == "element":
                    chunks = [(tuple(range(c_i)), [p for g in by_channel for p in g])]
                elif granularity == "channel":
                    chunks = [((c,), g) for c, g in enumerate(by_channel)]
                else:
                    chunks = [((p.channel,), [p]) for g in by_channel for p in g]
                total = zero
                channel_so_far = [zero] * c_i
                b = None if bs is None else bs[o]
                last = len(chunks) - 1 if b is None or granularity == "element" else len(chunks)
                for n, (chans, prods) in enumerate(chunks):
                    for p in prods:
                        channel_so_far[p.channel] += p.value
                    part = sum((p.value for p in prods), zero)
                    total += part
                    if granularity == "element" and b is not None:
                        total += b
                    steps.append(
                        Step(
                            index=len(steps),
                            out_channel=o,
                            out_row=i,
                            out_col=j,
                            output_label=label,
                            channels=chans,
                            rows=rows,
                            cols=cols,
                            products=tuple(prods),
                            channel_sums=tuple(channel_so_far[c] for c in chans),
                            partial_sum=part,
                            running_total=total,
                            finishes_element=n == last,
                            granularity=granularity,
                            bias=b if granularity == "element" else None,
                        )
                    )
                if b is not None and granularity != "element":
                    total += b
                    steps.append(
                        Step(
                            index=len(steps),
                            out_channel=o,
                            out_row=i,
                            out_col=j,
                            output_label=label,
                            channels=(),
                            rows=rows,
                            cols=cols,
                            products=(),
                            channel_sums=(),
                            partial_sum=b,
                            running_total=total,
                            finishes_element=True,
                            granularity=granularity,
                            bias=b,
                        )
                    )
                output[o][i][j] = total
    return Trace(
        X=_freeze(xs),
        K=_freeze(ks),
        multi_out=k_ndim == 4,
        padding=pad,
        stride=st,
        granularity=granularity,
        out_shape=(c_o, h_o, w_o),
        output=_freeze(output),
        steps=tuple(steps),
        bias=None if bs is None else tuple(bs),
    )


def _freeze(nested: Any) -> Any:
    """Nested lists as nested tuples, so a :class:`Trace` cannot be changed after the fact."""
    if isinstance(nested, list):
        return tuple(_freeze(v) for v in nested)
    return nested
