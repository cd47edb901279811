"""`convutils.compose_kernels`: two layers in a row equal one layer with the composed kernel."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from strategies import kernel_chains

import convutils as cu
from convutils.kernels import compose_kernels


@settings(max_examples=60, deadline=None)
@given(kernel_chains())
def test_composed_kernel_equals_sequential_application(chain):
    X, K1, K2 = chain
    K = compose_kernels(K1, K2)
    c_mid, c_i, k1_h, k1_w = K1.shape
    c_o, _, k2_h, k2_w = K2.shape
    assert K.shape == (c_o, c_i, k1_h + k2_h - 1, k1_w + k2_w - 1)
    twice = cu.corr2d_multi_in_out(cu.corr2d_multi_in_out(X, K1), K2)
    once = cu.corr2d_multi_in_out(X, K)
    np.testing.assert_allclose(once, twice, rtol=1e-10, atol=1e-10)


@settings(max_examples=30, deadline=None)
@given(kernel_chains())
def test_torch_input_matches_numpy_and_conv2d(chain):
    X, K1, K2 = chain
    K = compose_kernels(torch.tensor(K1), torch.tensor(K2))
    assert isinstance(K, torch.Tensor)
    np.testing.assert_allclose(K.numpy(), compose_kernels(K1, K2), rtol=1e-12, atol=1e-12)
    Xt = torch.tensor(X)[None]
    twice = F.conv2d(F.conv2d(Xt, torch.tensor(K1)), torch.tensor(K2))
    torch.testing.assert_close(F.conv2d(Xt, K), twice)


def test_one_dimensional_full_convolution_by_hand():
    # A 1x2 kernel [1, 2] then a 1x3 kernel [1, 0, -1]: the composed row is the full
    # convolution np.convolve([1, 2], [1, 0, -1]) = [1, 2, -1, -2].
    K1 = np.array([[[[1, 2]]]])
    K2 = np.array([[[[1, 0, -1]]]])
    np.testing.assert_array_equal(compose_kernels(K1, K2), [[[[1, 2, -1, -2]]]])
    np.testing.assert_array_equal(np.convolve([1, 2], [1, 0, -1]), [1, 2, -1, -2])


def test_middle_channels_are_summed():
    # Two middle channels, each a 1x1 identity-like path: the composed 1x1 weight is the
    # sum over m of K2[o, m] * K1[m, c], a matrix product.
    rng = np.random.default_rng(0)
    K1 = rng.standard_normal((4, 3, 1, 1))
    K2 = rng.standard_normal((2, 4, 1, 1))
    np.testing.assert_allclose(
        compose_kernels(K1, K2)[:, :, 0, 0], K2[:, :, 0, 0] @ K1[:, :, 0, 0], rtol=1e-12
    )


def test_padding_breaks_the_equivalence_only_at_the_border():
    # With padding 1 in each 3x3 layer the zeros padded around the first output are not what
    # the composed 5x5 kernel sees (padding 2 around X), so only the interior agrees.
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 8, 8))
    K1 = rng.standard_normal((3, 2, 3, 3))
    K2 = rng.standard_normal((2, 3, 3, 3))
    twice = cu.corr2d_multi_in_out(cu.corr2d_multi_in_out(X, K1, padding=1), K2, padding=1)
    once = cu.corr2d_multi_in_out(X, compose_kernels(K1, K2), padding=2)
    np.testing.assert_allclose(once[:, 1:-1, 1:-1], twice[:, 1:-1, 1:-1], rtol=1e-10)
    assert not np.allclose(once, twice)


@pytest.mark.parametrize(
    ("K1", "K2", "error", "words"),
    [
        ([[[[1.0]]]], np.ones((1, 1, 1, 1)), TypeError, "K1 must be a numpy.ndarray"),
        (np.ones((2, 1, 3)), np.ones((1, 2, 1, 1)), ValueError, "K1 must have 4 dimensions"),
        (np.ones((2, 1, 3, 3)), np.ones((1, 3, 1, 1)), ValueError, "K1 (2, 1, 3, 3) makes 2"),
        (np.ones((2, 1, 3, 3)), np.ones((1, 2, 0, 1)), ValueError, "zero-sized"),
        (np.ones((1, 1, 2, 2), dtype=complex), np.ones((1, 1, 1, 1)), TypeError, "complex"),
        (np.ones((1, 1, 2, 2)), torch.ones(1, 1, 1, 1), TypeError, "K2 is a torch.Tensor"),
        (torch.ones(1, 1, 2, 2, dtype=torch.bool), torch.ones(1, 1, 1, 1), TypeError, "bool"),
    ],
)
def test_bad_kernels_are_rejected_with_a_clear_message(K1, K2, error, words):
    with pytest.raises(error) as info:
        compose_kernels(K1, K2)
    assert words in str(info.value)
