"""The readable reference implementation: the loops the chapters show.

One idea per function, following the section "Multiple Input and Multiple Output Channels"
of *Dive into Deep Learning*. The arguments are assumed checked (the public functions in
`convutils.correlation` do that). The loops are slow on purpose, one Python step per output
element, so that each line reads as a sentence; every faster path in `convutils` is tested
against them. ``Array`` is a numpy array or a torch tensor: the code is the same for both.
"""

from __future__ import annotations

from convutils._backend import Array, pad_hw, result_dtype, stack, zeros


def corr2d(X: Array, K: Array) -> Array:
    """One channel: ``X (h, w)`` and ``K (k_h, k_w)`` give ``Y (h - k_h + 1, w - k_w + 1)``."""
    k_h, k_w = K.shape
    h_o, w_o = X.shape[0] - k_h + 1, X.shape[1] - k_w + 1
    Y = zeros(X, (h_o, w_o), result_dtype(X, K))
    for i in range(h_o):
        for j in range(w_o):
            Y[i, j] = (X[i : i + k_h, j : j + k_w] * K).sum()
    return Y


def corr2d_multi_in(X: Array, K: Array) -> Array:
    """Input channels: ``X (c_i, h, w)`` and ``K (c_i, k_h, k_w)`` give one map.

    Channel ``c`` of ``X`` meets only channel ``c`` of ``K``; the ``c_i`` partial
    maps are added.
    """
    c_i = X.shape[0]
    partial_maps = [corr2d(X[c], K[c]) for c in range(c_i)]
    return sum(partial_maps)


def corr2d_multi_in_out(X: Array, K: Array) -> Array:
    """Output channels: ``K (c_o, c_i, k_h, k_w)`` gives ``Y (c_o, h_o, w_o)``.

    Kernel ``K[o]`` reads every input channel and writes output channel ``o``.
    """
    c_o = K.shape[0]
    outputs = [corr2d_multi_in(X, K[o]) for o in range(c_o)]
    return stack(outputs)  # a new leading axis: one map per output channel


def corr2d_multi_in_out_1x1(X: Array, K: Array) -> Array:
    """A 1x1 window as one matrix product: ``K (c_o, c_i, 1, 1)`` gives ``(c_o, h, w)``.

    The ``c_i`` values of every pixel go through the same ``c_o x c_i`` weights.
    """
    c_o, c_i = K.shape[0], K.shape[1]
    pixels = X.reshape((c_i, -1))  # column p: the c_i values of pixel p
    weights = K.reshape((c_o, c_i))  # row o: how output channel o mixes the inputs
    return (weights @ pixels).reshape((c_o, *X.shape[1:]))


def corr2d_general(X: Array, K: Array, padding: tuple, stride: tuple) -> Array:
    """:func:`corr2d` with ``p`` rows (columns) of zeros on each side and stride ``s``.

    ``Y[i, j]`` reads the window of the padded ``X`` whose top-left corner is
    ``(i * s_h, j * s_w)``; ``h_o = (h + 2 p_h - k_h) // s_h + 1``.
    """
    (p_h, p_w), (s_h, s_w), (k_h, k_w) = padding, stride, K.shape
    X = pad_hw(X, p_h, p_w)
    h_o = (X.shape[0] - k_h) // s_h + 1
    w_o = (X.shape[1] - k_w) // s_w + 1
    Y = zeros(X, (h_o, w_o), result_dtype(X, K))
    for i in range(h_o):
        for j in range(w_o):
            top, left = i * s_h, j * s_w
            Y[i, j] = (X[top : top + k_h, left : left + k_w] * K).sum()
    return Y


def corr2d_multi_in_out_general(X: Array, K: Array, padding: tuple, stride: tuple) -> Array:
    """:func:`corr2d_multi_in_out` with padding and stride, one channel pair at a time."""
    c_o, c_i = K.shape[0], K.shape[1]
    return stack(
        [
            sum(corr2d_general(X[c], K[o, c], padding, stride) for c in range(c_i))
            for o in range(c_o)
        ]
    )
