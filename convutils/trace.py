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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from convutils._backend import is_tensor, to_numpy
from convutils.checks import as_pair, check_arrays, check_channels, output_hw

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
        if self.granularity == "element":
            sums = " + ".join(fmt(s) for s in self.channel_sums)
            if len(self.channel_sums) == 1 or len(self.products) == len(self.channels):
                # One channel, or one product per channel (a 1x1 kernel): a plain weighted
                # sum across channels, with no per-channel subtotals to show.
                return f"{y} = {self.products_text()} = {fmt(self.running_total)}"
            return f"{y} = {self.products_text()} = {sums} = {fmt(self.running_total)}"
        c = self.channels[0]
        text = f"{y} += channel {c}: {self.products_text()} = {fmt(self.partial_sum)}"
        return f"{text} → {fmt(self.running_total)}"


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

    @property
    def x_shape(self) -> tuple[int, int, int]:
        """``(c_i, h, w)``."""
        return (len(self.X), len(self.X[0]), len(self.X[0][0]))

    @property
    def k_shape(self) -> tuple[int, int, int, int]:
        """``(c_o, c_i, k_h, k_w)`` (``c_o = 1`` for a 3-D kernel)."""
        K = self.K
        return (len(K), len(K[0]), len(K[0][0]), len(K[0][0][0]))


def fmt(v: Number) -> str:
    """A number as the players print it: integers plainly, floats with 4 significant digits;
    negative factors in brackets so ``2×(-1)`` reads unambiguously."""
    text = str(v) if isinstance(v, int) else f"{v:.4g}"
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
) -> tuple[tuple[int, int], tuple[int, int], int, int]:
    """Check :func:`trace_steps`' arguments; returns ``(padding, stride, h_o, w_o)``.

    Raises ``ValueError``/``TypeError`` with messages that start with ``trace_steps:``.
    """
    fn = "trace_steps"
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
    return pad, st, h_o, w_o


def trace_steps(
    X: Any,
    K: Any,
    padding: IntOrPair = 0,
    stride: IntOrPair = 1,
    granularity: Granularity = "channel",
) -> Trace:
    """The ordered steps of correlating ``X (c_i, h, w)`` with ``K (c_i, k_h, k_w)`` or
    ``K (c_o, c_i, k_h, k_w)``, with zero ``padding`` and ``stride`` (an int or an ``(h, w)``
    pair, as in :func:`convutils.corr2d_multi_in_out`).

    Steps run over output channels, then output rows, then output columns, then input
    channels, then window rows and columns, and are grouped by ``granularity``
    (``"element"``, ``"channel"`` or ``"product"``). Raises ``ValueError``/``TypeError`` for
    malformed input, with the same messages as the correlation functions.
    """
    pad, st, h_o, w_o = check_trace_input(X, K, padding, stride, granularity)
    k_ndim = K.ndim

    # Python numbers in the dtype ``X * K`` has, so integer examples stay exact integers.
    dtype = np.result_type(
        *(str(a.dtype).removeprefix("torch.") if is_tensor(a) else a.dtype for a in (X, K))
    )
    xs = _to_lists(X, dtype)
    ks = _to_lists(K if k_ndim == 4 else K[None], dtype)
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
                for n, (chans, prods) in enumerate(chunks):
                    for p in prods:
                        channel_so_far[p.channel] += p.value
                    part = sum((p.value for p in prods), zero)
                    total += part
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
                            finishes_element=n == len(chunks) - 1,
                            granularity=granularity,
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
    )


def _freeze(nested: Any) -> Any:
    """Nested lists as nested tuples, so a :class:`Trace` cannot be changed after the fact."""
    if isinstance(nested, list):
        return tuple(_freeze(v) for v in nested)
    return nested
