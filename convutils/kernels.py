"""Two convolutional layers in a row, with nothing between them, are one layer.

Exercise 1 of the section "Multiple Input and Multiple Output Channels" of *Dive into Deep
Learning*. Cross-correlating ``X (c_i, h, w)`` with ``K1 (c_mid, c_i, k1_h, k1_w)`` and the
result with ``K2 (c_o, c_mid, k2_h, k2_w)`` (no padding, stride 1) gives, at output
``(o, y, x)``,

    sum_{m, u, v} K2[o, m, u, v] sum_{c, a, b} K1[m, c, a, b] X[c, y + u + a, x + v + b].

Grouping by the offset ``(t, r) = (u + a, v + b)`` shows one cross-correlation with

    K[o, c, t, r] = sum_m sum_{u + a = t, v + b = r} K2[o, m, u, v] K1[m, c, a, b],

the *full convolution* of the two kernels over the spatial axes, summed over the middle
channel: ``(c_o, c_i, k1_h + k2_h - 1, k1_w + k2_w - 1)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from convutils._backend import is_tensor, stack, transpose
from convutils.checks import check_arrays
from convutils.correlation import corr2d_multi_in_out

if TYPE_CHECKING:
    import torch

Array = TypeVar("Array", np.ndarray, "torch.Tensor")


def _flip_hw(K: Any) -> Any:
    """``K`` with its last two axes reversed (torch tensors cannot have negative strides)."""
    if is_tensor(K):
        import torch

        return torch.flip(K, dims=(-2, -1))
    return K[..., ::-1, ::-1]


def _check_kernels(fn: str, K1: Any, K2: Any) -> None:
    """Both 4-D arrays of one kind, numeric, non-empty, on one device, chained by ``c_mid``."""
    dims = ("(c_mid, c_i, k1_h, k1_w)", "(c_o, c_mid, k2_h, k2_w)")
    check_arrays(fn, K1, K2, *dims, names=("K1", "K2"))
    if K1.shape[0] != K2.shape[1]:
        raise ValueError(
            f"{fn}: K1 {tuple(K1.shape)} makes {K1.shape[0]} channels but K2 "
            f"{tuple(K2.shape)} reads {K2.shape[1]}; K1's c_mid (axis 0) must equal K2's "
            f"(axis 1)"
        )


def compose_kernels(K1: Array, K2: Array) -> Array:
    """The one kernel equivalent to correlating with ``K1`` and then with ``K2``.

    ``K1 (c_mid, c_i, k1_h, k1_w)``, ``K2 (c_o, c_mid, k2_h, k2_w)`` ->
    ``K (c_o, c_i, k1_h + k2_h - 1, k1_w + k2_w - 1)`` such that, without padding and with
    stride 1, ``corr(corr(X, K1), K2) == corr(X, K)`` for every ``X (c_i, h, w)``.

    ``K[:, c]`` is the full convolution of the kernels summed over ``c_mid``; it is computed
    with `convutils` itself: a full convolution is a cross-correlation of one operand, padded
    by the other's size minus one, with the other flipped. Here the operand read as the
    "image" is ``K1[:, c] (c_mid, k1_h, k1_w)`` and the multi-channel "kernel" is ``K2``
    flipped, so the sum over ``c_mid`` is the sum over input channels the library already
    does.
    """
    fn = "compose_kernels"
    _check_kernels(fn, K1, K2)
    k2_h, k2_w = K2.shape[2], K2.shape[3]
    K2_flipped = _flip_hw(K2)
    per_input = [
        corr2d_multi_in_out(K1[:, c], K2_flipped, padding=(k2_h - 1, k2_w - 1))
        for c in range(K1.shape[1])
    ]  # c_i maps of shape (c_o, k_h, k_w)
    return transpose(stack(per_input), (1, 0, 2, 3))
