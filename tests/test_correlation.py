"""The correlation functions on the section's worked example and against torch's conv2d."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import conv_problems

import convutils as cu
from convutils import loops

METHODS = ["loops", "im2col"]
KINDS = ["numpy", "torch"]


def as_kind(a, kind, dtype=None):
    a = np.asarray(a) if dtype is None else np.asarray(a, dtype=dtype)
    return torch.from_numpy(a.copy()) if kind == "torch" else a.copy()


def to_numpy(a):
    return a.numpy() if isinstance(a, torch.Tensor) else np.asarray(a)


@pytest.fixture
def example():
    return cu.two_channel_example()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", METHODS)
def test_worked_example_multi_in(example, kind, method):
    X, K = (as_kind(a, kind) for a in example)
    Y = cu.corr2d_multi_in(X, K, method=method)
    assert type(Y) is type(X)
    np.testing.assert_array_equal(to_numpy(Y), [[56, 72], [104, 120]])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", METHODS)
def test_worked_example_partial_maps(example, kind, method):
    X, K = (as_kind(a, kind) for a in example)
    np.testing.assert_array_equal(
        to_numpy(cu.corr2d(X[0], K[0], method=method)), [[19, 25], [37, 43]]
    )
    np.testing.assert_array_equal(
        to_numpy(cu.corr2d(X[1], K[1], method=method)), [[37, 47], [67, 77]]
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", METHODS)
def test_worked_example_three_output_channels(example, kind, method):
    X, K = example
    K3 = cu.three_output_kernels(K)
    assert K3.shape == (3, 2, 2, 2)
    Y = cu.corr2d_multi_in_out(as_kind(X, kind), as_kind(K3, kind), method=method)
    np.testing.assert_array_equal(
        to_numpy(Y),
        [[[56, 72], [104, 120]], [[76, 100], [148, 172]], [[96, 128], [192, 224]]],
    )


def test_first_element_arithmetic(example):
    X, K = example
    per_channel = [int((X[c, :2, :2] * K[c]).sum()) for c in range(2)]
    assert per_channel == [19, 37]
    assert int(cu.corr2d_multi_in(X, K)[0, 0]) == 56


@pytest.mark.parametrize("kind", KINDS)
def test_one_by_one_matches_general(kind):
    rng = np.random.default_rng(0)
    X = as_kind(rng.normal(size=(3, 3, 3)), kind, np.float32)
    K = as_kind(rng.normal(size=(2, 3, 1, 1)), kind, np.float32)
    Y1 = cu.corr2d_multi_in_out_1x1(X, K)
    Y2 = cu.corr2d_multi_in_out(X, K, method="loops")
    assert Y1.shape == (2, 3, 3)
    np.testing.assert_allclose(to_numpy(Y1), to_numpy(Y2), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("x_dtype", "k_dtype", "want"),
    [
        (np.float32, np.float32, np.float32),
        (np.float64, np.float64, np.float64),
        (np.int64, np.int64, np.int64),
        (np.float32, np.float64, np.float64),
    ],
)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", METHODS)
def test_kind_and_dtype_are_kept(example, x_dtype, k_dtype, want, kind, method):
    X, K = example
    X, K = as_kind(X, kind, x_dtype), as_kind(cu.three_output_kernels(K), kind, k_dtype)
    for Y in (
        cu.corr2d_multi_in_out(X, K, method=method),
        cu.corr2d_multi_in(X, K[0], method=method),
        cu.corr2d(X[0], K[0, 0], method=method),
    ):
        assert type(Y) is type(X)
        assert to_numpy(Y).dtype == np.dtype(want)
    if kind == "torch":
        assert cu.corr2d_multi_in_out(X, K, method=method).device == X.device


def test_one_by_one_keeps_dtype():
    X = torch.ones((4, 2, 2), dtype=torch.float64)
    K = torch.ones((3, 4, 1, 1), dtype=torch.float64)
    assert cu.corr2d_multi_in_out_1x1(X, K).dtype == torch.float64
    assert cu.corr2d_multi_in_out_1x1(X.numpy(), K.numpy().astype(np.float32)).dtype == np.float64


def test_float32_stays_float32_on_the_vectorised_path():
    # A silent promotion to float64 would double memory traffic on large inputs.
    X = np.ones((4, 9, 9), dtype=np.float32)
    K = np.ones((5, 4, 3, 3), dtype=np.float32)
    assert cu.corr2d_multi_in_out(X, K, padding=1, stride=2).dtype == np.float32


def test_im2col_shape_and_layout(example):
    X, _ = example
    cols = cu.im2col(X, 2, 2)
    assert cols.shape == (2 * 2 * 2, 4)
    # Column 0 is the top-left window of both channels, channel by channel, row-major.
    np.testing.assert_array_equal(cols[:, 0], [0, 1, 3, 4, 1, 2, 4, 5])


def conv_case():
    """``(X, K, padding, stride)``: float64 values, up to 4 channels and 9x9 inputs."""
    return conv_problems(max_channels=4)


def conv2d_oracle(X, K, padding, stride):
    Y = F.conv2d(torch.from_numpy(X)[None], torch.from_numpy(K), padding=padding, stride=stride)
    return Y[0].numpy()


@settings(max_examples=60, deadline=None)
@given(case=conv_case(), kind=st.sampled_from(KINDS), method=st.sampled_from(METHODS))
def test_multi_in_out_matches_torch_conv2d(case, kind, method):
    X, K, padding, stride = case
    want = conv2d_oracle(X, K, padding, stride)
    got = cu.corr2d_multi_in_out(as_kind(X, kind), as_kind(K, kind), padding, stride, method)
    assert got.shape == want.shape
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-10, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(case=conv_case(), kind=st.sampled_from(KINDS), method=st.sampled_from(METHODS))
def test_multi_in_and_single_channel_match_torch_conv2d(case, kind, method):
    X, K, padding, stride = case
    want = conv2d_oracle(X, K[:1], padding, stride)[0]
    got = cu.corr2d_multi_in(as_kind(X, kind), as_kind(K[0], kind), padding, stride, method)
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-10, atol=1e-10)
    want1 = conv2d_oracle(X[:1], K[:1, :1], padding, stride)[0]
    got1 = cu.corr2d(as_kind(X[0], kind), as_kind(K[0, 0], kind), padding, stride, method)
    np.testing.assert_allclose(to_numpy(got1), want1, rtol=1e-10, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(case=conv_case(), kind=st.sampled_from(KINDS))
def test_one_by_one_matches_torch_conv2d(case, kind):
    X, K, _, _ = case
    K = K[:, :, :1, :1]
    want = conv2d_oracle(X, K, (0, 0), (1, 1))
    got = cu.corr2d_multi_in_out_1x1(as_kind(X, kind), as_kind(K, kind))
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-10, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(case=conv_case(), kind=st.sampled_from(KINDS))
def test_general_single_channel_loops_match_torch_conv2d(case, kind):
    # loops.corr2d_general, called directly (no public wrapper): one channel, any padding
    # and stride, against conv2d on a 1-channel input and a 1x1-channel kernel.
    X, K, padding, stride = case
    want = conv2d_oracle(X[:1], K[:1, :1], padding, stride)[0]
    got = loops.corr2d_general(as_kind(X[0], kind), as_kind(K[0, 0], kind), padding, stride)
    assert type(got) is type(as_kind(X[0], kind))
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-10, atol=1e-10)


@settings(max_examples=30, deadline=None)
@given(case=conv_case())
def test_reference_loops_and_im2col_agree(case):
    X, K, padding, stride = case
    a = loops.corr2d_multi_in_out_general(X, K, padding, stride)
    b = cu.corr2d_multi_in_out(X, K, padding, stride, method="im2col")
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@settings(max_examples=30, deadline=None)
@given(case=conv_case())
def test_plain_loops_agree_with_general_loops_without_padding_or_stride(case):
    X, K, _, _ = case
    if K.shape[-2] > X.shape[-2] or K.shape[-1] > X.shape[-1]:
        return  # this case only fits with its padding
    a = loops.corr2d_multi_in_out(X, K)
    b = loops.corr2d_multi_in_out_general(X, K, (0, 0), (1, 1))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a[0], loops.corr2d_multi_in(X, K[0]))


@settings(max_examples=30, deadline=None)
@given(case=conv_case(), kind=st.sampled_from(KINDS))
def test_vectorised_path_on_non_contiguous_input(case, kind):
    # The window view is built from the input's own strides: a transposed or sliced input
    # (no copy made by the caller) must give the same answer as a contiguous one.
    X, K, padding, stride = case
    want = conv2d_oracle(X, K, padding, stride)
    # The same values as X, stored column-major in (h, w): a view with non-C strides.
    Xf = np.swapaxes(np.ascontiguousarray(np.swapaxes(X, 1, 2)), 1, 2)
    Xk = torch.from_numpy(Xf) if kind == "torch" else Xf
    if X.shape[1] > 1 and X.shape[2] > 1:
        assert not (Xk.is_contiguous() if kind == "torch" else Xk.flags.c_contiguous)
    got = cu.corr2d_multi_in_out(Xk, as_kind(K, kind), padding, stride, method="im2col")
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kind", KINDS)
def test_vectorised_path_leaves_input_unchanged(kind):
    rng = np.random.default_rng(1)
    X = as_kind(rng.normal(size=(3, 6, 5)), kind, np.float32)
    K = as_kind(rng.normal(size=(2, 3, 3, 2)), kind, np.float32)
    before = to_numpy(X).copy()
    cu.corr2d_multi_in_out(X, K, padding=(1, 2), stride=(2, 1))
    np.testing.assert_array_equal(to_numpy(X), before)


def test_vectorised_path_keeps_torch_autograd():
    # The torch path stays in torch (no detour through numpy), so gradients flow.
    rng = np.random.default_rng(2)
    X = torch.tensor(rng.normal(size=(3, 7, 6)), requires_grad=True)
    K = torch.tensor(rng.normal(size=(4, 3, 3, 3)), requires_grad=True)
    cu.corr2d_multi_in_out(X, K, padding=1, stride=2).square().sum().backward()
    X2, K2 = X.detach().clone().requires_grad_(), K.detach().clone().requires_grad_()
    F.conv2d(X2[None], K2, padding=1, stride=2).square().sum().backward()
    torch.testing.assert_close(X.grad, X2.grad)
    torch.testing.assert_close(K.grad, K2.grad)


@settings(max_examples=30, deadline=None)
@given(case=conv_case())
def test_torch_native_path_matches_conv2d(case):
    # Tensors that need a gradient never take the numpy detour: this runs the torch window
    # view (as_strided) and torch's matrix product, with every padding and stride.
    X, K, padding, stride = case
    want = conv2d_oracle(X, K, padding, stride)
    Xt = torch.from_numpy(X).requires_grad_()
    got = cu.corr2d_multi_in_out(Xt, torch.from_numpy(K), padding, stride)
    assert got.requires_grad
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-10, atol=1e-10)


def test_numpy_detour_only_for_cpu_float_tensors_without_gradient():
    from convutils._backend import numpy_shares_memory

    x = torch.zeros((2, 3, 3))
    assert numpy_shares_memory(x, torch.zeros((1, 2, 2, 2), dtype=torch.float64))
    assert not numpy_shares_memory(x, torch.zeros((1, 2, 2, 2), requires_grad=True))
    assert not numpy_shares_memory(x.to(torch.int64), x)
    assert not numpy_shares_memory(x.to(torch.float16), x)
    assert not numpy_shares_memory(x.numpy(), x.numpy())


def test_im2col_never_hands_out_a_writable_alias_of_the_input():
    # With a 1x1 window and stride 1 the columns are X itself (no copy): they must be
    # read-only, or writing to them would silently change X.
    X = np.arange(12, dtype=np.float32).reshape(3, 2, 2)
    cols = cu.im2col(X, 1, 1)
    np.testing.assert_array_equal(cols, X.reshape(3, 4))
    with pytest.raises(ValueError, match="read-only"):
        cols[0, 0] = 100.0
    assert X[0, 0, 0] == 0


@settings(max_examples=30, deadline=None)
@given(case=conv_case(), method=st.sampled_from(["loops", "im2col"]))
def test_bias_matches_torch_conv2d(case, method):
    X, K, padding, stride = case
    b = np.random.default_rng(K.size).normal(size=K.shape[0])
    got = cu.corr2d_multi_in_out(X, K, padding, stride, method=method, bias=b)
    want = F.conv2d(
        torch.from_numpy(X)[None], torch.from_numpy(K), torch.from_numpy(b), stride, padding
    )[0].numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_bias_on_the_1x1_layer_and_bad_bias_shapes():
    X = np.arange(12.0).reshape(3, 2, 2)
    K = np.arange(6.0).reshape(2, 3, 1, 1)
    b = np.array([10.0, -1.0])
    got = cu.corr2d_multi_in_out_1x1(X, K, bias=b)
    np.testing.assert_array_equal(got, cu.corr2d_multi_in_out_1x1(X, K) + b[:, None, None])
    with pytest.raises(ValueError, match=r"bias has shape \(3,\).*2 output channels"):
        cu.corr2d_multi_in_out(X, K, bias=np.zeros(3))
    with pytest.raises(ValueError, match=r"bias must have 1 dimensions"):
        cu.corr2d_multi_in_out_1x1(X, K, bias=np.zeros((2, 1)))
    with pytest.raises(TypeError, match="bias"):
        cu.corr2d_multi_in_out(X, K, bias=[1.0, 2.0])
