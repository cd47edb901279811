"""The readable reference implementation: the loops the chapter shows.

These functions mirror the section "Multiple Input and Multiple Output Channels" of *Dive
into Deep Learning* line by line. They assume their arguments were already checked (the
public functions in `convutils.correlation` do that) and are slow on purpose: one Python
step per output element, so each line can be read as a sentence. Every other implementation
in `convutils` is tested against them.
"""

from __future__ import annotations

from typing import Any

from convutils._backend import pad_hw, result_dtype, stack, zeros

Pair = tuple[int, int]


def corr2d(X: Any, K: Any, padding: Pair = (0, 0), stride: Pair = (1, 1)) -> Any:
    """2-D cross-correlation of one channel: ``X (h, w)``, ``K (k_h, k_w)`` -> ``(h_o, w_o)``.

    Each output element is the sum of the window of ``X`` under ``K`` times ``K``.
    """
    X = pad_hw(X, *padding)
    k_h, k_w = K.shape
    s_h, s_w = stride
    h_o = (X.shape[0] - k_h) // s_h + 1
    w_o = (X.shape[1] - k_w) // s_w + 1
    Y = zeros(X, (h_o, w_o), result_dtype(X, K))
    for i in range(h_o):
        for j in range(w_o):
            window = X[i * s_h : i * s_h + k_h, j * s_w : j * s_w + k_w]
            Y[i, j] = (window * K).sum()
    return Y


def corr2d_multi_in(X: Any, K: Any, padding: Pair = (0, 0), stride: Pair = (1, 1)) -> Any:
    """Multiple input channels: ``X (c_i, h, w)``, ``K (c_i, k_h, k_w)`` -> ``(h_o, w_o)``.

    Correlate channel ``c`` of ``X`` with channel ``c`` of ``K``, then add the ``c_i`` maps.
    """
    return sum(corr2d(x, k, padding, stride) for x, k in zip(X, K, strict=True))


def corr2d_multi_in_out(X: Any, K: Any, padding: Pair = (0, 0), stride: Pair = (1, 1)) -> Any:
    """Multiple output channels.

    ``X (c_i, h, w)``, ``K (c_o, c_i, k_h, k_w)`` -> ``(c_o, h_o, w_o)``.

    Output channel ``o`` is the multi-input correlation of ``X`` with the kernel ``K[o]``.
    """
    return stack([corr2d_multi_in(X, k, padding, stride) for k in K])


def corr2d_multi_in_out_1x1(X: Any, K: Any) -> Any:
    """A 1x1 kernel as one matrix product.

    ``X (c_i, h, w)``, ``K (c_o, c_i, 1, 1)`` -> ``(c_o, h, w)``.

    Every pixel's ``c_i`` values are mapped to ``c_o`` values by the same ``c_o x c_i`` matrix.
    """
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((c_i, h * w))
    K = K.reshape((c_o, c_i))
    Y = K @ X
    return Y.reshape((c_o, h, w))
