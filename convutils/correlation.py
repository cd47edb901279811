"""Cross-correlation with multiple input and output channels: the public functions.

Section "Multiple Input and Multiple Output Channels" of *Dive into Deep Learning*. Each
function checks its arguments (`convutils.checks`), then runs either the readable loops the
chapter shows (`convutils.loops`, ``method="loops"``) or one matrix product over a strided
window view (`convutils.im2col`, the default). Both accept numpy arrays or torch tensors and
return the same kind, with the dtype ``X * K`` would have and (for torch) ``X``'s device.
The default path computes CPU float tensors that need no gradient with numpy, on the same
memory (see `_via_numpy_if_free`); tensors with autograd history stay in torch.

``padding`` and ``stride`` are an int or an ``(h, w)`` pair, zero padding on each side, as in
``torch.nn.functional.conv2d``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np

from convutils import im2col, loops
from convutils._backend import astype, numpy_shares_memory, result_dtype
from convutils.checks import as_pair, check_arrays, check_bias, check_channels, output_hw

if TYPE_CHECKING:
    import torch

Array = TypeVar("Array", np.ndarray, "torch.Tensor")
Method = Literal["auto", "loops", "im2col"]
IntOrPair = int | tuple[int, int]


def _prepare(
    fn: str, X: Any, K: Any, x_dims: str, k_dims: str, padding: IntOrPair, stride: IntOrPair
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Every check of a public function, in `check_arrays`'s argument order; returns the
    ``(padding, stride)`` pairs."""
    check_arrays(fn, X, K, x_dims, k_dims)
    if x_dims.startswith("(c_i"):
        check_channels(fn, X, K)
    # A plain int is the common case; reading it here saves as_pair's general checks. Pays at
    # the chapter's size: bench_correlation.py row "trick off: int padding/stride read
    # without as_pair" (the call is 1.4x slower without it).
    if type(padding) is int and padding >= 0:
        pad = (padding, padding)
    else:
        pad = as_pair(fn, "padding", padding, minimum=0)
    if type(stride) is int and stride >= 1:
        st = (stride, stride)
    else:
        st = as_pair(fn, "stride", stride, minimum=1)
    output_hw(fn, tuple(X.shape), tuple(K.shape), pad, st)
    return pad, st


def _check_method(fn: str, method: str) -> None:
    if method not in ("auto", "loops", "im2col"):
        raise ValueError(f"{fn}: method must be 'auto', 'loops' or 'im2col', got {method!r}")


def corr2d_multi_in_out(
    X: Array,
    K: Array,
    padding: IntOrPair = 0,
    stride: IntOrPair = 1,
    method: Method = "auto",
    bias: Array | None = None,
) -> Array:
    """Multiple input and output channels.

    ``X (c_i, h, w)``, ``K (c_o, c_i, k_h, k_w)`` -> ``(c_o, h_o, w_o)`` with
    ``h_o = (h + 2 p_h - k_h) // s_h + 1`` (and the same for ``w_o``). Output channel ``o`` is
    ``sum_c corr2d(X[c], K[o, c]) + bias[o]``: ``bias (c_o,)`` is optional, one number per
    output channel, as in ``torch.nn.functional.conv2d``.
    """
    fn = "corr2d_multi_in_out"
    _check_method(fn, method)
    pad, st = _prepare(fn, X, K, "(c_i, h, w)", "(c_o, c_i, k_h, k_w)", padding, stride)
    check_bias(fn, bias, X, K)
    return _add_bias(_dispatch(X, K, pad, st, method), bias)


def _add_bias(Y: Array, bias: Array | None) -> Array:
    """``Y (c_o, h_o, w_o)`` plus ``bias[o]`` on every element of output channel ``o``."""
    if bias is None:
        return Y
    return Y + bias[:, None, None]


def _dispatch(X: Array, K: Array, pad: tuple[int, int], st: tuple[int, int], method: str) -> Array:
    """``X (c_i, h, w)``, ``K (c_o, c_i, k_h, k_w)``, already checked -> ``(c_o, h_o, w_o)``."""
    if method == "loops" and (pad, st) == ((0, 0), (1, 1)):
        return loops.corr2d_multi_in_out(X, K)  # the chapter's plain loops
    if method == "loops":
        return loops.corr2d_multi_in_out_general(X, K, pad, st)
    if tuple(K.shape[2:]) == (1, 1) and pad == (0, 0) and st == (1, 1):
        # A 1x1 window needs no window view at all: skip its set-up. Pays: bench_correlation.py
        # row "trick off: 1x1 shortcut without the window view" (1.6x at (2, 3, 3, 3, 1)).
        return _via_numpy_if_free(_one_by_one, X, K)
    return _via_numpy_if_free(im2col.corr2d_multi_in_out_im2col, X, K, pad, st)


def _one_by_one(X: Array, K: Array) -> Array:
    dtype = result_dtype(X, K)
    return loops.corr2d_multi_in_out_1x1(astype(X, dtype), astype(K, dtype))


def _via_numpy_if_free(fn: Callable[..., Any], X: Array, K: Array, *args: Any) -> Array:
    """``fn(X, K, *args)``; for CPU float tensors without autograd, computed by numpy.

    torch's float matrix product on the CPU is MKL's; on this project's AMD machines it is
    slower than numpy's OpenBLAS, and torch's call overhead dominates at the chapter's sizes.
    Such a tensor is a numpy array over the same memory, so the detour copies nothing; the
    result is handed back as a tensor. Pays: bench_correlation.py row "trick off: CPU tensors
    computed by numpy" (1.3x at the chapter's size).
    """
    if numpy_shares_memory(X, K):
        import torch

        return torch.from_numpy(fn(X.numpy(), K.numpy(), *args))
    return fn(X, K, *args)


def corr2d_multi_in(
    X: Array, K: Array, padding: IntOrPair = 0, stride: IntOrPair = 1, method: Method = "auto"
) -> Array:
    """Multiple input channels: ``X (c_i, h, w)``, ``K (c_i, k_h, k_w)`` -> ``(h_o, w_o)``.

    Each input channel is correlated with its own kernel channel and the ``c_i`` results are
    summed: ``Y = sum_c corr2d(X[c], K[c])``.
    """
    fn = "corr2d_multi_in"
    _check_method(fn, method)
    pad, st = _prepare(fn, X, K, "(c_i, h, w)", "(c_i, k_h, k_w)", padding, stride)
    # One output channel of the general case; checked once, here, under this function's name.
    return _dispatch(X, K[None], pad, st, method)[0]


def corr2d(
    X: Array, K: Array, padding: IntOrPair = 0, stride: IntOrPair = 1, method: Method = "auto"
) -> Array:
    """Single-channel 2-D cross-correlation: ``X (h, w)``, ``K (k_h, k_w)`` -> ``(h_o, w_o)``."""
    fn = "corr2d"
    _check_method(fn, method)
    pad, st = _prepare(fn, X, K, "(h, w)", "(k_h, k_w)", padding, stride)
    return _dispatch(X[None], K[None, None], pad, st, method)[0]


def corr2d_multi_in_out_1x1(X: Array, K: Array, bias: Array | None = None) -> Array:
    """A 1x1 convolutional layer as one matrix product.

    ``X (c_i, h, w)``, ``K (c_o, c_i, 1, 1)`` -> ``(c_o, h, w)``: ``X`` is read as a
    ``c_i x (h*w)`` matrix, ``K`` as ``c_o x c_i``, and their product reshaped back. The same
    ``c_o x c_i`` weights act on every pixel, like a fully connected layer. ``bias (c_o,)``
    is optional, one number per output channel.
    """
    fn = "corr2d_multi_in_out_1x1"
    check_arrays(fn, X, K, "(c_i, h, w)", "(c_o, c_i, 1, 1)")
    check_channels(fn, X, K)
    if tuple(K.shape[2:]) != (1, 1):
        raise ValueError(
            f"{fn}: K must have a 1x1 window, got {K.shape[2]}x{K.shape[3]} "
            f"(K {tuple(K.shape)}); use corr2d_multi_in_out for larger kernels"
        )
    check_bias(fn, bias, X, K)
    return _add_bias(_via_numpy_if_free(_one_by_one, X, K), bias)
