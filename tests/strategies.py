"""Hypothesis strategies shared by the test files: small convolution problems that fit.

Every size is drawn so that the kernel's window fits the padded input, so each example is a
valid call of `convutils`; the values come from a drawn seed, so a failing example shrinks to
a seed and a few sizes that reproduce it.

- :func:`layers`: a `ConvLayer` (sizes, padding, stride) for the cost formulas.
- :func:`conv_problems`: ``X (c_i, h, w)``, ``K (c_o, c_i, k_h, k_w)``, padding, stride.
- :func:`kernel_chains`: ``X`` and two kernels applied one after the other.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from convutils.costs import ConvLayer

SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def layers(
    draw: st.DrawFn,
    max_channels: int = 3,
    max_kernel: int = 4,
    max_padding: int = 2,
    max_stride: int = 3,
    max_size: int = 9,
) -> ConvLayer:
    """A layer whose ``k_h x k_w`` window fits the padded ``h x w`` input."""
    c_i, c_o = draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    k_h, k_w = draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel))
    p_h, p_w = draw(st.integers(0, max_padding)), draw(st.integers(0, max_padding))
    s_h, s_w = draw(st.integers(1, max_stride)), draw(st.integers(1, max_stride))
    h = draw(st.integers(max(1, k_h - 2 * p_h), max(max_size, k_h)))
    w = draw(st.integers(max(1, k_w - 2 * p_w), max(max_size, k_w)))
    return ConvLayer(c_i, h, w, c_o, k_h, k_w, padding=(p_h, p_w), stride=(s_h, s_w))


def layer_arrays(
    layer: ConvLayer, seed: int = 0, integers: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Random ``X (c_i, h, w)`` and ``K (c_o, c_i, k_h, k_w)`` for ``layer``: float64 normal
    values, or small integers in ``[-9, 9]`` (exact sums, readable narrations)."""
    rng = np.random.default_rng(seed)
    x_shape = (layer.c_i, layer.h, layer.w)
    k_shape = (layer.c_o, layer.c_i, layer.k_h, layer.k_w)
    if integers:
        return rng.integers(-9, 10, size=x_shape), rng.integers(-9, 10, size=k_shape)
    return rng.standard_normal(x_shape), rng.standard_normal(k_shape)


@st.composite
def conv_problems(
    draw: st.DrawFn, integers: bool = False, **limits: int
) -> tuple[np.ndarray, np.ndarray, tuple[int, int], tuple[int, int]]:
    """``(X, K, padding, stride)`` for one call of ``corr2d_multi_in_out``; ``limits`` are
    :func:`layers`' (for example ``max_channels=4``)."""
    layer = draw(layers(**limits))
    X, K = layer_arrays(layer, draw(SEEDS), integers)
    return X, K, layer.padding, layer.stride


@st.composite
def kernel_chains(
    draw: st.DrawFn, max_channels: int = 3, max_kernel: int = 4, max_size: int = 9
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X (c_i, h, w)``, ``K1 (c_mid, c_i, k1_h, k1_w)``, ``K2 (c_o, c_mid, k2_h, k2_w)``
    with both windows fitting (no padding, stride 1): float64 normal values."""
    c_i, c_mid, c_o = (draw(st.integers(1, max_channels)) for _ in range(3))
    k1_h, k1_w, k2_h, k2_w = (draw(st.integers(1, max_kernel)) for _ in range(4))
    h = draw(st.integers(k1_h + k2_h - 1, max(max_size, k1_h + k2_h - 1)))
    w = draw(st.integers(k1_w + k2_w - 1, max(max_size, k1_w + k2_w - 1)))
    rng = np.random.default_rng(draw(SEEDS))
    X = rng.standard_normal((c_i, h, w))
    K1 = rng.standard_normal((c_mid, c_i, k1_h, k1_w))
    K2 = rng.standard_normal((c_o, c_mid, k2_h, k2_w))
    return X, K1, K2
