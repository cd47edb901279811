"""The readable reference implementation: the loops the chapter shows.

These functions follow the section "Multiple Input and Multiple Output Channels" of *Dive
into Deep Learning*, one idea per function. They assume their arguments were already checked (the
public functions in `convutils.correlation` do that) and are slow on purpose: one Python
step per output element, so each line can be read as a sentence. Every other implementation
in `convutils` is tested against them.
"""

from __future__ import annotations

from typing import Any

from convutils._backend import pad_hw, result_dtype, stack, zeros

Pair = tuple[int, int]


def corr2d(
    X: Any,
    K: Any,
    padding: Pair = (0, 0),
    stride: Pair = (1, 1),
) -> Any:
    """One channel: ``X (h, w)`` and ``K (k_h, k_w)`` give ``Y (h_o, w_o)``.

    ``Y[i, j]`` multiplies the window of ``X`` whose top-left corner is at
    ``(i * s_h, j * s_w)`` by ``K``, element by element, and adds the products.
    """
    X = pad_hw(X, *padding)  # zero rows and columns on each side
    (k_h, k_w), (s_h, s_w) = K.shape, stride
    h_o = (X.shape[0] - k_h) // s_h + 1
    w_o = (X.shape[1] - k_w) // s_w + 1
    Y = zeros(X, (h_o, w_o), result_dtype(X, K))  # numpy or torch, like X
    for i in range(h_o):
        for j in range(w_o):
            top, left = i * s_h, j * s_w
            window = X[top : top + k_h, left : left + k_w]
            Y[i, j] = (window * K).sum()
    return Y


def corr2d_multi_in(
    X: Any,
    K: Any,
    padding: Pair = (0, 0),
    stride: Pair = (1, 1),
) -> Any:
    """Input channels: ``X (c_i, h, w)``, ``K (c_i, k_h, k_w)``.

    Channel ``c`` of ``X`` meets only channel ``c`` of ``K``; the ``c_i``
    partial maps are then added into one output ``(h_o, w_o)``.
    """
    c_i = X.shape[0]
    partial_maps = [corr2d(X[c], K[c], padding, stride) for c in range(c_i)]
    return sum(partial_maps)


def corr2d_multi_in_out(
    X: Any,
    K: Any,
    padding: Pair = (0, 0),
    stride: Pair = (1, 1),
) -> Any:
    """Output channels: ``K (c_o, c_i, k_h, k_w)`` gives ``(c_o, h_o, w_o)``.

    Each ``K[o] (c_i, k_h, k_w)`` reads every input channel of ``X (c_i, h, w)``
    and writes output channel ``o``.
    """
    c_o = K.shape[0]
    outputs = [corr2d_multi_in(X, K[o], padding, stride) for o in range(c_o)]
    return stack(outputs)


def corr2d_multi_in_out_1x1(X: Any, K: Any) -> Any:
    """A 1x1 window as one matrix product.

    ``X (c_i, h, w)``, ``K (c_o, c_i, 1, 1)`` -> ``(c_o, h, w)``: the ``c_i``
    values of every pixel go through the same ``c_o x c_i`` weight matrix.
    """
    c_o, c_i = K.shape[0], K.shape[1]
    pixels = X.reshape((c_i, -1))  # column p: the c_i values of pixel p
    weights = K.reshape((c_o, c_i))  # row o: how channel o mixes the inputs
    return (weights @ pixels).reshape((c_o, *X.shape[1:]))
