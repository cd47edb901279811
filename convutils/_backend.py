"""The few operations that differ between numpy arrays and torch tensors.

Everything else in `convutils` is written once with indexing, ``*``, ``@`` and ``.sum()``,
which both kinds share. torch is never imported here: if it has not been imported by the
caller, no argument can be a tensor, so numpy-only users do not pay its import time.
"""

from __future__ import annotations

import sys
from typing import Any, TypeAlias

import numpy as np

# A numpy array or a torch tensor: the reference loops are written once for both.
Array: TypeAlias = Any


def is_tensor(x: object) -> bool:
    """True when ``x`` is a ``torch.Tensor`` (without importing torch)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def to_numpy(a: Any) -> Any:
    """A torch tensor's values as a numpy array (detached, on the CPU); anything else as is."""
    if is_tensor(a):
        return a.detach().cpu().numpy()
    return a


def numpy_shares_memory(*tensors: Any) -> bool:
    """True when every argument is a plain CPU ``torch.Tensor`` of float32 or float64 that
    needs no gradient: ``Tensor.numpy()`` then returns a numpy array over the same memory,
    so numpy can compute on it without a copy."""
    torch = sys.modules.get("torch")
    return torch is not None and all(
        type(t) is torch.Tensor
        and t.is_cpu
        and not t.requires_grad
        and t.dtype in (torch.float32, torch.float64)
        for t in tensors
    )


def kind_name(x: object) -> str:
    """A short name of the argument's kind for error messages."""
    if isinstance(x, np.ndarray):
        return "numpy.ndarray"
    if is_tensor(x):
        return "torch.Tensor"
    return type(x).__name__


def result_dtype(X: Any, K: Any) -> Any:
    """The dtype ``X * K`` has, by the array library's own promotion rules."""
    if is_tensor(X):
        import torch

        return torch.promote_types(X.dtype, K.dtype)
    # promote_types on two dtypes gives what result_type would, faster. Pays a little:
    # bench_correlation.py row "trick off: promote_types instead of result_type" (1.05x
    # to 1.09x at the chapter's size).
    return np.promote_types(X.dtype, K.dtype)


def zeros(like: Any, shape: tuple[int, ...], dtype: Any) -> Any:
    """Zeros of ``shape`` of the same kind (and device) as ``like``."""
    if is_tensor(like):
        import torch

        return torch.zeros(shape, dtype=dtype, device=like.device)
    return np.zeros(shape, dtype=dtype)


def stack(arrays: list[Any]) -> Any:
    """Stack along a new first axis, keeping the arrays' kind."""
    if is_tensor(arrays[0]):
        import torch

        return torch.stack(arrays)
    return np.stack(arrays)


def astype(x: Any, dtype: Any) -> Any:
    """``x`` converted to ``dtype`` (no copy when it already has it)."""
    if x.dtype == dtype:
        return x
    if is_tensor(x):
        return x.to(dtype)
    return x.astype(dtype, copy=False)


def transpose(x: Any, axes: tuple[int, ...]) -> Any:
    """``x`` with its axes reordered (a view, as ``numpy.transpose`` and ``Tensor.permute``)."""
    if is_tensor(x):
        return x.permute(*axes)
    return np.transpose(x, axes)


def pad_hw(X: Any, p_h: int, p_w: int) -> Any:
    """Zero-pad the last two axes of ``X`` by ``p_h`` rows and ``p_w`` columns on each side."""
    if p_h == 0 and p_w == 0:
        return X
    if is_tensor(X):
        import torch.nn.functional as F

        return F.pad(X, (p_w, p_w, p_h, p_h))
    h, w = X.shape[-2:]
    # Writing X into a zeros array does what numpy.pad does, faster. Pays:
    # bench_correlation.py row "trick off: zeros and assign instead of numpy.pad" (4.6x at
    # the chapter's size with padding 1).
    out = np.zeros((*X.shape[:-2], h + 2 * p_h, w + 2 * p_w), dtype=X.dtype)
    out[..., p_h : p_h + h, p_w : p_w + w] = X
    return out


def windows(X: Any, k_h: int, k_w: int, s_h: int, s_w: int) -> Any:
    """A strided view of every window: ``X (c, h, w)`` -> ``(c, k_h, k_w, h_o, w_o)``.

    Element ``[c, a, b, i, j]`` is ``X[c, i*s_h + a, j*s_w + b]``: position ``(a, b)`` inside
    the window at output position ``(i, j)``. No data is copied; the view shares memory with
    ``X``. Stepping one output row moves ``s_h`` input rows, so the last two axes reuse
    ``X``'s row and column strides times the stride of the correlation.
    """
    c, h, w = X.shape
    shape = (c, k_h, k_w, (h - k_h) // s_h + 1, (w - k_w) // s_w + 1)
    if is_tensor(X):
        st_c, st_h, st_w = X.stride()  # in elements
        return X.as_strided(shape, (st_c, st_h, st_w, st_h * s_h, st_w * s_w))
    st_c, st_h, st_w = X.strides  # in bytes
    strides = (st_c, st_h, st_w, st_h * s_h, st_w * s_w)
    if X.flags.c_contiguous and not X.dtype.hasobject:
        # The same view as as_strided's below, made directly over X's memory: a few
        # microseconds faster. Pays: bench_correlation.py row "trick off: window view made
        # with numpy.ndarray" (1.3x at the chapter's size).
        view = np.ndarray(shape, X.dtype, buffer=X, strides=strides)
        view.flags.writeable = False  # the view aliases X: writing to it would change X
        return view
    return np.lib.stride_tricks.as_strided(X, shape, strides, writeable=False)
