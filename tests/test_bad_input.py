"""Every malformed call raises ValueError or TypeError naming the problem and the shapes."""

from contextlib import contextmanager

import numpy as np
import pytest
import torch

import convutils as cu

X = np.zeros((2, 3, 3))
K = np.zeros((2, 2, 2))
K4 = np.zeros((3, 2, 2, 2))


@contextmanager
def raises(exc, *fragments):
    """pytest.raises that also checks every fragment appears in the message."""
    with pytest.raises(exc) as info:
        yield
    for fragment in fragments:
        assert fragment in str(info.value), f"{fragment!r} not in {str(info.value)!r}"


def test_channel_counts_differ():
    with raises(ValueError, "(2, 3, 3)", "(3, 2, 2)", "channels"):
        cu.corr2d_multi_in(X, np.zeros((3, 2, 2)))
    with raises(ValueError, "(2, 3, 3)", "(3, 4, 2, 2)", "channels"):
        cu.corr2d_multi_in_out(X, np.zeros((3, 4, 2, 2)))
    with raises(ValueError, "(2, 3, 3)", "(3, 4, 1, 1)", "channels"):
        cu.corr2d_multi_in_out_1x1(X, np.zeros((3, 4, 1, 1)))


@pytest.mark.parametrize(
    ("fn", "x", "k", "fragment"),
    [
        (cu.corr2d, X, K[0], "X must have 2 dimensions"),
        (cu.corr2d, X[0], K, "K must have 2 dimensions"),
        (cu.corr2d_multi_in, X[0], K, "X must have 3 dimensions"),
        (cu.corr2d_multi_in, X, K4, "K must have 3 dimensions"),
        (cu.corr2d_multi_in_out, X, K, "K must have 4 dimensions"),
        (cu.corr2d_multi_in_out_1x1, X, K, "K must have 4 dimensions"),
    ],
)
def test_wrong_number_of_dimensions(fn, x, k, fragment):
    with raises(ValueError, fragment, str(x.shape if "X" in fragment else k.shape)):
        fn(x, k)


def test_kernel_larger_than_input():
    with raises(ValueError, "(2, 3, 3)", "(2, 4, 4)", "larger than"):
        cu.corr2d_multi_in(X, np.zeros((2, 4, 4)))
    # Padding makes room: the same kernel fits a padded input.
    assert cu.corr2d_multi_in(X, np.zeros((2, 4, 4)), padding=1).shape == (2, 2)
    with raises(ValueError, "(1, 2, 6, 1)", "6x1 window", "5x3 padded"):
        cu.corr2d_multi_in_out(X, np.zeros((1, 2, 6, 1)), padding=(1, 0))


def test_zero_sized_dimension():
    with raises(ValueError, "zero-sized", "(2, 0, 3)"):
        cu.corr2d_multi_in(np.zeros((2, 0, 3)), K)
    with raises(ValueError, "zero-sized", "(0, 2, 2, 2)"):
        cu.corr2d_multi_in_out(X, np.zeros((0, 2, 2, 2)))
    with raises(ValueError, "zero-sized", "(0, 3, 3)"):
        cu.corr2d_multi_in_out_1x1(np.zeros((0, 3, 3)), np.zeros((2, 0, 1, 1)))


def test_non_1x1_kernel_to_1x1_function():
    with raises(ValueError, "1x1", "2x2", "(3, 2, 2, 2)"):
        cu.corr2d_multi_in_out_1x1(X, K4)


@pytest.mark.parametrize("padding", [-1, (0, -2)])
def test_negative_padding(padding):
    with raises(ValueError, "padding", "non-negative", repr(padding)):
        cu.corr2d_multi_in(X, K, padding=padding)


@pytest.mark.parametrize("stride", [0, -1, (1, 0)])
def test_non_positive_stride(stride):
    with raises(ValueError, "stride", "positive", repr(stride)):
        cu.corr2d_multi_in_out(X, K4, stride=stride)


@pytest.mark.parametrize("value", [1.5, "1", (1, 2, 3), True, None])
def test_padding_and_stride_must_be_ints(value):
    with raises(TypeError, "padding", "int"):
        cu.corr2d(X[0], K[0], padding=value)
    with raises(TypeError, "stride", "int"):
        cu.corr2d(X[0], K[0], stride=value)


def test_non_numeric_arguments():
    with raises(TypeError, "numpy.ndarray or a torch.Tensor", "list"):
        cu.corr2d_multi_in(X.tolist(), K)
    with raises(TypeError, "dtype", "(2, 3, 3)"):
        cu.corr2d_multi_in(X.astype(str), K)
    with raises(TypeError, "dtype", "(2, 3, 3)"):
        cu.corr2d_multi_in(X.astype(object), K)
    with raises(TypeError, "dtype", "bool", "(2, 2, 2)"):
        cu.corr2d_multi_in(X, K.astype(bool))
    with raises(TypeError, "dtype", "complex"):
        cu.corr2d_multi_in(torch.zeros((2, 3, 3), dtype=torch.complex64), torch.zeros((2, 2, 2)))


def test_mixed_numpy_and_torch():
    with raises(TypeError, "numpy.ndarray (2, 3, 3)", "torch.Tensor (2, 2, 2)", "both"):
        cu.corr2d_multi_in(X, torch.zeros((2, 2, 2)))
    with raises(TypeError, "torch.Tensor (2, 3, 3)", "numpy.ndarray (3, 2, 2, 2)"):
        cu.corr2d_multi_in_out(torch.zeros((2, 3, 3)), K4)


def test_unknown_method():
    with raises(ValueError, "method", "'fast'"):
        cu.corr2d_multi_in(X, K, method="fast")
