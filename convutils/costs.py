"""What a convolutional layer costs: operation counts and memory.

Exercises 2 to 4 of the section "Multiple Input and Multiple Output Channels" of *Dive into
Deep Learning* ask for the forward and backward cost and memory of a layer with input
``(c_i, h, w)``, kernel ``(c_o, c_i, k_h, k_w)``, padding ``(p_h, p_w)`` and stride
``(s_h, s_w)``. :class:`ConvLayer` holds those numbers and answers with closed formulas;
:func:`count_forward_operations` counts what the reference loops really do, so the formulas
can be checked against it. Timing the library (exercise 3) is `convutils.timing`'s job.

Counting conventions (the same everywhere in this module):

- A dense layer multiplies padding zeros like any other value, so they are counted.
- Summing ``n`` numbers takes ``n - 1`` additions; no bias is added (the section's
  functions have none; a bias would add one addition per output element).
- Memory is counted in stored scalars; :meth:`Memory.bytes` converts with an item size.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from convutils import loops
from convutils.checks import as_pair, output_hw

IntOrPair = int | tuple[int, int]


@dataclass(frozen=True)
class OpCount:
    """Numbers of scalar multiplications and additions."""

    multiplications: int
    additions: int

    def __add__(self, other: OpCount) -> OpCount:
        return OpCount(
            self.multiplications + other.multiplications, self.additions + other.additions
        )


@dataclass(frozen=True)
class Memory:
    """Stored scalars, by tensor name (for example ``{"input": c_i*h*w, ...}``)."""

    parts: dict[str, int]

    @property
    def total(self) -> int:
        """All the scalars together."""
        return sum(self.parts.values())

    def bytes(self, itemsize: int = 4) -> int:
        """The total in bytes, for scalars of ``itemsize`` bytes (4 for float32)."""
        return self.total * itemsize


def _positive_int(name: str, value: Any) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"ConvLayer: {name} must be an int, got {value!r}")
    if value < 1:
        raise ValueError(f"ConvLayer: {name} must be positive, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class ConvLayer:
    """One layer of the section: input ``(c_i, h, w)``, kernel ``(c_o, c_i, k_h, k_w)``.

    ``padding`` and ``stride`` are an int or an ``(h, w)`` pair, as in
    `convutils.corr2d_multi_in_out`; they are stored as pairs. The output is
    ``(c_o, h_o, w_o)`` with ``h_o = (h + 2 p_h - k_h) // s_h + 1`` (same for ``w_o``).
    Raises ``TypeError``/``ValueError`` on non-integer or non-positive sizes, bad padding or
    stride, or a window larger than the padded input.
    """

    c_i: int
    h: int
    w: int
    c_o: int
    k_h: int
    k_w: int
    padding: IntOrPair = 0
    stride: IntOrPair = 1
    h_o: int = field(init=False)
    w_o: int = field(init=False)

    def __post_init__(self) -> None:
        for name in ("c_i", "h", "w", "c_o", "k_h", "k_w"):
            _positive_int(name, getattr(self, name))
        pad = as_pair("ConvLayer", "padding", self.padding, minimum=0)
        st = as_pair("ConvLayer", "stride", self.stride, minimum=1)
        h_o, w_o = output_hw(
            "ConvLayer",
            (self.c_i, self.h, self.w),
            (self.c_o, self.c_i, self.k_h, self.k_w),
            pad,
            st,
        )
        # Frozen dataclass: the normalised values are written once, here.
        object.__setattr__(self, "padding", pad)
        object.__setattr__(self, "stride", st)
        object.__setattr__(self, "h_o", h_o)
        object.__setattr__(self, "w_o", w_o)

    @classmethod
    def of(cls, X: Any, K: Any, padding: IntOrPair = 0, stride: IntOrPair = 1) -> ConvLayer:
        """The layer that ``corr2d_multi_in_out(X, K, padding, stride)`` computes."""
        c_i, h, w = tuple(X.shape)
        c_o, _, k_h, k_w = tuple(K.shape)
        return cls(c_i, h, w, c_o, k_h, k_w, padding, stride)

    def with_changes(self, **changes: Any) -> ConvLayer:
        """A copy with some sizes changed, for example ``layer.with_changes(padding=2)``."""
        return replace(self, **changes)

    @property
    def window(self) -> int:
        """Products summed into one output element: ``c_i * k_h * k_w``."""
        return self.c_i * self.k_h * self.k_w

    @property
    def outputs(self) -> int:
        """Output elements: ``c_o * h_o * w_o``."""
        return self.c_o * self.h_o * self.w_o

    def forward_cost(self) -> OpCount:
        """Forward pass: ``c_o h_o w_o * c_i k_h k_w`` multiplications; each output element
        then sums its ``c_i k_h k_w`` products with ``c_i k_h k_w - 1`` additions."""
        return OpCount(self.outputs * self.window, self.outputs * (self.window - 1))

    def backward_cost(self) -> dict[str, OpCount]:
        """Backward pass, given the output gradient ``dY (c_o, h_o, w_o)``.

        - ``"weights"``: ``dK[o, c, a, b] = sum_{i, j} dY[o, i, j] X_pad[c, i s_h + a, j s_w + b]``
          -- one product per forward product, ``h_o w_o`` terms summed per weight.
        - ``"input"``: every forward product ``X_pad[...] K[o, c, a, b]`` sends
          ``dY[o, i, j] K[o, c, a, b]`` back to its input position -- again one product per
          forward product. A padded position hit ``n`` times costs ``n - 1`` additions; the
          positions hit are those some window covers (all of them unless the stride skips).
        - ``"total"``: the two together, twice the forward multiplications.
        """
        products = self.outputs * self.window
        weights = OpCount(products, self.c_o * self.window * (self.h_o * self.w_o - 1))
        covered = self._covered(self.h_o, self.k_h, self.stride[0]) * self._covered(
            self.w_o, self.k_w, self.stride[1]
        )
        inputs = OpCount(products, products - self.c_i * covered)
        return {"weights": weights, "input": inputs, "total": weights + inputs}

    @staticmethod
    def _covered(n_out: int, k: int, s: int) -> int:
        """Padded rows (or columns) that at least one of ``n_out`` windows covers."""
        return n_out * k if s >= k else (n_out - 1) * s + k

    def forward_memory(self) -> Memory:
        """Scalars held by the forward pass: input, weights and output."""
        return Memory(
            {
                "input": self.c_i * self.h * self.w,
                "weights": self.c_o * self.window,
                "output": self.outputs,
            }
        )

    def im2col_buffer(self) -> int:
        """Extra scalars the matrix-product path stores: the ``(c_i k_h k_w, h_o w_o)``
        window matrix of `convutils.im2col`."""
        return self.window * self.h_o * self.w_o

    def backward_memory(self) -> Memory:
        """Scalars alive during the backward pass.

        The forward pass must keep ``X`` (needed for ``dK``) and ``K`` (needed for ``dX``);
        the backward pass receives ``dY`` (the output's shape) and produces ``dX`` and ``dK``
        (the shapes of ``X`` and ``K``): about twice the forward memory.
        """
        fwd = self.forward_memory().parts
        return Memory(
            {
                "saved input": fwd["input"],
                "saved weights": fwd["weights"],
                "output gradient": fwd["output"],
                "input gradient": fwd["input"],
                "weight gradient": fwd["weights"],
            }
        )


class _Counted:
    """A number that counts the arithmetic done with it (into a shared ``tally``).

    Adding the integer ``0`` is not counted: Python's ``sum`` starts from it, and a loop
    that accumulates into a zero-filled buffer does the same; neither is arithmetic a layer
    has to perform. Multiplying by a padding ``0`` is counted, as a dense layer does it.
    """

    __slots__ = ("value", "tally")

    def __init__(self, value: float, tally: dict[str, int]) -> None:
        self.value = value
        self.tally = tally

    def _other(self, other: Any) -> float:
        return other.value if isinstance(other, _Counted) else other

    def __mul__(self, other: Any) -> _Counted:
        self.tally["multiplications"] += 1
        return _Counted(self.value * self._other(other), self.tally)

    __rmul__ = __mul__

    def __add__(self, other: Any) -> _Counted:
        if not (isinstance(other, int) and other == 0):
            self.tally["additions"] += 1
        return _Counted(self.value + self._other(other), self.tally)

    __radd__ = __add__


def count_forward_operations(layer: ConvLayer, seed: int = 0) -> tuple[OpCount, np.ndarray]:
    """Run the reference loops (`convutils.loops`) on counting numbers and report what they did.

    Every element of a random ``X (c_i, h, w)`` and ``K (c_o, c_i, k_h, k_w)`` is wrapped in
    a number that counts each multiplication and addition it takes part in. Returns the
    counts and the computed output ``(c_o, h_o, w_o)`` as float64 values, so a caller can
    also check the instrumented run computed the right thing. Slow: for small layers only.
    """
    rng = np.random.default_rng(seed)
    tally = {"multiplications": 0, "additions": 0}
    X = rng.standard_normal((layer.c_i, layer.h, layer.w))
    K = rng.standard_normal((layer.c_o, layer.c_i, layer.k_h, layer.k_w))

    def wrap(a: np.ndarray) -> np.ndarray:
        out = np.empty(a.shape, dtype=object)
        for idx in np.ndindex(a.shape):
            out[idx] = _Counted(float(a[idx]), tally)
        return out

    Y = loops.corr2d_multi_in_out_general(wrap(X), wrap(K), layer.padding, layer.stride)
    values = np.vectorize(lambda v: v.value if isinstance(v, _Counted) else v, otypes=[float])(Y)
    return OpCount(tally["multiplications"], tally["additions"]), values
