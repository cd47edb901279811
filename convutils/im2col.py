"""The vectorised path: every window laid out as a column, then one matrix product.

This is the answer to exercise 6 of the section ("im2col", what ``torch.nn.Unfold`` does):
a convolution with any window is a matrix product once the input is rearranged so that each
output position's window becomes one column.

Why it is fast: the windows are a strided *view* of the input (no Python loop, no copy), the
one copy is a single reshape done in C, and all the arithmetic is one matrix product in the
array library's BLAS, in the inputs' own dtype (float32 stays float32).
"""

from __future__ import annotations

from convutils._backend import Array, astype, pad_hw, result_dtype, windows

Pair = tuple[int, int]


def im2col(
    X: Array,
    k_h: int,
    k_w: int,
    padding: Pair = (0, 0),
    stride: Pair = (1, 1),
) -> Array:
    """Lay out every ``k_h x k_w`` window of ``X (c_i, h, w)`` as one column.

    Returns ``(c_i * k_h * k_w, h_o * w_o)``: row ``(c, a, b)`` holds ``X[c, i*s_h + a,
    j*s_w + b]`` (after padding) for every output position ``(i, j)``, in row-major order.
    """
    view = windows(pad_hw(X, *padding), k_h, k_w, *stride)  # (c_i, k_h, k_w, h_o, w_o)
    c_i, _, _, h_o, w_o = view.shape
    # The view already has the rows in (c, a, b) order and the columns in (i, j) order, so
    # this reshape is the only copy of the input (none at all for a 1x1 window, stride 1).
    return view.reshape((c_i * k_h * k_w, h_o * w_o))


def corr2d_multi_in_out_im2col(
    X: Array, K: Array, padding: Pair = (0, 0), stride: Pair = (1, 1)
) -> Array:
    """``X (c_i, h, w)``, ``K (c_o, c_i, k_h, k_w)`` -> ``(c_o, h_o, w_o)`` as one matrix product.

    ``K`` flattened to ``(c_o, c_i*k_h*k_w)`` times ``im2col(X)`` gives ``(c_o, h_o*w_o)``.
    """
    dtype = result_dtype(X, K)
    X, K = astype(X, dtype), astype(K, dtype)
    c_o, _, k_h, k_w = K.shape
    cols = im2col(X, k_h, k_w, padding, stride)
    h_p, w_p = X.shape[1] + 2 * padding[0], X.shape[2] + 2 * padding[1]
    h_o, w_o = (h_p - k_h) // stride[0] + 1, (w_p - k_w) // stride[1] + 1
    return (K.reshape((c_o, -1)) @ cols).reshape((c_o, h_o, w_o))
