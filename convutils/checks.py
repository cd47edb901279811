"""Input checks shared by every public function.

Each check runs before any arithmetic and raises ``TypeError`` (wrong kind of argument) or
``ValueError`` (right kind, wrong shape or value) with a message that names the function,
the problem and the shapes involved.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from convutils._backend import is_tensor, kind_name

Pair = tuple[int, int]


def _is_numeric(x: Any) -> bool:
    if is_tensor(x):
        import torch

        return x.dtype != torch.bool and not x.dtype.is_complex
    return x.dtype.kind in "iuf"


def check_arrays(
    fn: str, X: Any, K: Any, x_dims: str, k_dims: str, names: tuple[str, str] = ("X", "K")
) -> None:
    """Check that ``X`` and ``K`` are both numpy arrays or both torch tensors, numeric, with
    the number of dimensions spelled by ``x_dims`` / ``k_dims`` (for example ``"(c_i, h, w)"``),
    and no zero-sized axis. ``names`` are what the messages call the two arguments."""
    x_name, k_name = names
    for name, a in ((x_name, X), (k_name, K)):
        if not (isinstance(a, np.ndarray) or is_tensor(a)):
            raise TypeError(
                f"{fn}: {name} must be a numpy.ndarray or a torch.Tensor, got {kind_name(a)}; "
                f"wrap it with numpy.asarray(...) or torch.tensor(...)"
            )
    if is_tensor(X) != is_tensor(K):
        raise TypeError(
            f"{fn}: {x_name} is a {kind_name(X)} {tuple(X.shape)} but {k_name} is a "
            f"{kind_name(K)} {tuple(K.shape)}; pass both as numpy arrays or both as torch tensors"
        )
    if is_tensor(X) and X.device != K.device:
        raise ValueError(
            f"{fn}: {x_name} is on {X.device} but {k_name} is on {K.device}; "
            f"move both to one device"
        )
    for name, a in ((x_name, X), (k_name, K)):
        if not _is_numeric(a):
            raise TypeError(
                f"{fn}: {name} {tuple(a.shape)} has dtype {a.dtype}; "
                f"only integer and real floating-point values can be correlated"
            )
    for name, a, dims in ((x_name, X, x_dims), (k_name, K, k_dims)):
        want = dims.count(",") + 1
        if a.ndim != want:
            raise ValueError(
                f"{fn}: {name} must have {want} dimensions {dims}, "
                f"got {a.ndim} (shape {tuple(a.shape)})"
            )
        if 0 in tuple(a.shape):
            raise ValueError(
                f"{fn}: {name} has a zero-sized dimension (shape {tuple(a.shape)} for {dims}); "
                f"every axis needs at least one element"
            )


def as_pair(fn: str, name: str, value: Any, minimum: int) -> Pair:
    """Read ``padding`` or ``stride``: an int or an ``(h, w)`` pair of ints ``>= minimum``."""
    items = value if isinstance(value, tuple | list) else (value, value)
    if len(items) != 2 or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in items
    ):
        raise TypeError(f"{fn}: {name} must be an int or an (h, w) pair of ints, got {value!r}")
    h, w = int(items[0]), int(items[1])
    if h < minimum or w < minimum:
        rule = "non-negative" if minimum == 0 else "positive"
        raise ValueError(f"{fn}: {name} must be {rule}, got {value!r}")
    return h, w


def output_hw(
    fn: str, x_shape: tuple[int, ...], k_shape: tuple[int, ...], pad: Pair, st: Pair
) -> Pair:
    """The output's ``(h_o, w_o)``; raises when the kernel does not fit the padded input.

    ``h_o = (h + 2 p_h - k_h) // s_h + 1``, and the same for the width.
    """
    h, w = x_shape[-2] + 2 * pad[0], x_shape[-1] + 2 * pad[1]
    k_h, k_w = k_shape[-2], k_shape[-1]
    if k_h > h or k_w > w:
        raise ValueError(
            f"{fn}: kernel K {tuple(k_shape)} has a {k_h}x{k_w} window, larger than the "
            f"{h}x{w} padded input (X {tuple(x_shape)}, padding {pad})"
        )
    return (h - k_h) // st[0] + 1, (w - k_w) // st[1] + 1


def check_channels(fn: str, X: Any, K: Any) -> None:
    """``X (c_i, h, w)`` and ``K (..., c_i, k_h, k_w)`` must agree on ``c_i``."""
    if X.shape[0] != K.shape[-3]:
        raise ValueError(
            f"{fn}: X has {X.shape[0]} input channels (shape {tuple(X.shape)}) but K has "
            f"{K.shape[-3]} (shape {tuple(K.shape)}); K's c_i axis must match X's"
        )


def check_bias(fn: str, bias: Any, X: Any, K: Any) -> None:
    """``bias`` is ``None`` or one number per output channel: shape ``(c_o,)`` for
    ``K (c_o, c_i, k_h, k_w)``, the same kind (numpy or torch) as ``X``."""
    if bias is None:
        return
    check_arrays(fn, X, bias, "(c_i, h, w)", "(c_o)", names=("X", "bias"))
    if bias.shape[0] != K.shape[0]:
        raise ValueError(
            f"{fn}: bias has shape {tuple(bias.shape)} but K {tuple(K.shape)} has "
            f"{K.shape[0]} output channels; a layer has one bias per output channel, "
            f"so bias must have shape ({K.shape[0]},)"
        )
