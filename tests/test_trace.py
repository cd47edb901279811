"""The stepper's trace agrees with corr2d_multi_in_out, step by step and in the end."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import convutils as cu
from convutils.trace import GRANULARITIES, trace_steps


@st.composite
def problems(draw):
    """Random integer X (c_i, h, w), K (c_o, c_i, k_h, k_w), padding and stride that fit."""
    c_i, c_o = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    k_h, k_w = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    p_h, p_w = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, k_h - 2 * p_h), 5))
    w = draw(st.integers(max(1, k_w - 2 * p_w), 5))
    s_h, s_w = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.integers(-9, 10, size=(c_i, h, w))
    K = rng.integers(-9, 10, size=(c_o, c_i, k_h, k_w))
    return X, K, (p_h, p_w), (s_h, s_w)


@settings(max_examples=60, deadline=None)
@given(problems(), st.sampled_from(GRANULARITIES))
def test_running_totals_end_at_the_output(problem, granularity):
    X, K, padding, stride = problem
    t = trace_steps(X, K, padding, stride, granularity)
    expected = cu.corr2d_multi_in_out(X, K, padding=padding, stride=stride)
    assert np.array_equal(np.array(t.output), expected)
    c_o, h_o, w_o = expected.shape
    assert t.out_shape == (c_o, h_o, w_o)
    # The last step of every element carries the element's value, and nothing else finishes.
    finished = {}
    for s in t.steps:
        if s.finishes_element:
            finished[(s.out_channel, s.out_row, s.out_col)] = s.running_total
    assert finished == {idx: expected[idx].item() for idx in np.ndindex(expected.shape)}


@settings(max_examples=40, deadline=None)
@given(problems())
def test_partial_sums_agree_with_the_per_channel_correlation(problem):
    X, K, padding, stride = problem
    t = trace_steps(X, K, padding, stride, "channel")
    for s in t.steps:
        (c,) = s.channels
        one = cu.corr2d(X[c], K[s.out_channel, c], padding=padding, stride=stride)
        assert s.partial_sum == one[s.out_row, s.out_col].item()
        assert s.partial_sum == sum(p.value for p in s.products)
        assert all(p.value == p.x * p.k for p in s.products)
        # Padding cells are zeros outside X; the others are X's own values.
        for p in s.products:
            inside = 0 <= p.row < X.shape[1] and 0 <= p.col < X.shape[2]
            assert p.padded is not inside
            assert p.x == (X[c, p.row, p.col].item() if inside else 0)


@settings(max_examples=30, deadline=None)
@given(problems())
def test_step_counts_and_order(problem):
    X, K, padding, stride = problem
    c_o, c_i, k_h, k_w = K.shape
    _, h_o, w_o = cu.corr2d_multi_in_out(X, K, padding=padding, stride=stride).shape
    counts = {g: len(trace_steps(X, K, padding, stride, g).steps) for g in GRANULARITIES}
    assert counts == {
        "element": c_o * h_o * w_o,
        "channel": c_o * h_o * w_o * c_i,
        "product": c_o * h_o * w_o * c_i * k_h * k_w,
    }
    t = trace_steps(X, K, padding, stride, "product")
    assert [s.index for s in t.steps] == list(range(len(t.steps)))
    order = [(s.out_channel, s.out_row, s.out_col) for s in t.steps]
    assert order == sorted(order)


def test_the_worked_example_channel_by_channel():
    X, K = cu.two_channel_example()
    t = trace_steps(X, K)
    assert len(t.steps) == 8
    assert [s.running_total for s in t.steps] == [19, 56, 25, 72, 37, 104, 43, 120]
    assert t.steps[1].narration() == "Y[0,0] += channel 1: 1×1 + 2×2 + 4×3 + 5×4 = 37 → 56"
    assert t.steps[0].rows == (0, 1) and t.steps[0].cols == (0, 1)
    assert t.output == (((56, 72), (104, 120)),)
    assert not t.multi_out
    element = trace_steps(X, K, granularity="element").steps[0]
    assert element.channel_sums == (19, 37)
    assert element.narration().endswith("= 19 + 37 = 56")
    product = trace_steps(X, K, granularity="product").steps[2]
    assert product.narration() == "Y[0,0] += channel 0: 3×2 = 6 → 7"


def test_three_output_kernels_name_the_output_channel():
    X, K = cu.two_channel_example()
    t = trace_steps(X, cu.three_output_kernels(K))
    assert t.multi_out and t.k_shape == (3, 2, 2, 2)
    assert t.output[2] == ((96, 128), (192, 224))
    assert t.steps[-1].narration().startswith("Y[2,1,1] += channel 1:")


def test_one_by_one_reads_as_a_weighted_sum_across_channels():
    X = np.arange(27).reshape(3, 3, 3)
    K = np.array([[[[1]], [[-2]], [[3]]], [[[0]], [[1]], [[1]]]])
    step = trace_steps(X, K, granularity="element").steps[5]  # Y[0, 1, 2]
    assert step.narration() == "Y[0,1,2] = 5×1 + 14×(-2) + 23×3 = 46"
    assert step.running_total == cu.corr2d_multi_in_out_1x1(X, K)[0, 1, 2]


def test_padding_shows_as_zeros_outside_x():
    X, K = cu.two_channel_example()
    first = trace_steps(X, K, padding=1, stride=2, granularity="element").steps[0]
    assert first.rows == (-1, 0) and first.cols == (-1, 0)
    assert [p.padded for p in first.products[:4]] == [True, True, True, False]
    assert first.running_total == 0 * 3 + 1 * 4  # only X[c, 0, 0] lies under the window


def test_floats_and_tensors():
    rng = np.random.default_rng(0)
    X, K = rng.normal(size=(2, 4, 4)), rng.normal(size=(3, 2, 2, 2))
    t = trace_steps(torch.tensor(X), torch.tensor(K), padding=1)
    np.testing.assert_allclose(np.array(t.output), cu.corr2d_multi_in_out(X, K, padding=1))
    assert isinstance(t.steps[0].running_total, float)


@pytest.mark.parametrize(
    ("x", "k", "kwargs", "exc", "fragment"),
    [
        (np.zeros((2, 3, 3)), np.zeros((3, 2, 2)), {}, ValueError, "input channels"),
        (np.zeros((1, 2, 2)), np.zeros((1, 3, 3)), {}, ValueError, "larger than the"),
        (np.zeros((3, 3)), np.zeros((1, 2, 2)), {}, ValueError, "X must have 3 dimensions"),
        (np.zeros((1, 3, 3)), np.zeros((2, 2)), {}, ValueError, "K must have 4 dimensions"),
        (np.zeros((1, 3, 3)), [[[1]]], {}, TypeError, "numpy.ndarray or a torch.Tensor"),
        (np.array([[["a"]]]), np.zeros((1, 1, 1)), {}, TypeError, "dtype"),
        (np.zeros((1, 3, 3)), np.zeros((1, 1, 1)), {"stride": 0}, ValueError, "positive"),
        (np.zeros((1, 3, 3)), np.zeros((1, 1, 1)), {"padding": -1}, ValueError, "non-negative"),
        (np.zeros((1, 3, 3)), np.zeros((1, 1, 1)), {"granularity": "row"}, ValueError, "'row'"),
    ],
)
def test_bad_input_names_the_problem(x, k, kwargs, exc, fragment):
    with pytest.raises(exc) as info:
        trace_steps(x, k, **kwargs)
    assert fragment in str(info.value)
    assert str(info.value).startswith("trace_steps:")


def test_trace_is_frozen():
    X, K = cu.two_channel_example()
    t = trace_steps(X, K)
    with pytest.raises(AttributeError):
        t.steps[0].running_total = 0
    X[0, 0, 0] = 100  # changing the input afterwards does not change the recorded trace
    assert t.X[0][0][0] == 0


def test_bias_is_the_last_term_of_every_element():
    X, K = cu.two_channel_example()
    K3 = cu.three_output_kernels(K)
    bias = np.array([1, -2, 3])
    expected = cu.corr2d_multi_in_out(X, K3, bias=bias)
    for g in GRANULARITIES:
        t = trace_steps(X, K3, granularity=g, bias=bias)
        assert np.array_equal(np.array(t.output), expected)
        assert t.bias == (1, -2, 3)
    channel = trace_steps(X, K3, bias=bias).steps
    assert [s.narration() for s in channel[:3]] == [
        "Y[0,0,0] += channel 0: 0×0 + 1×1 + 3×2 + 4×3 = 19 → 19",
        "Y[0,0,0] += channel 1: 1×1 + 2×2 + 4×3 + 5×4 = 37 → 56",
        "Y[0,0,0] += bias 1 → 57",
    ]
    assert [s.finishes_element for s in channel[:3]] == [False, False, True]
    assert channel[5].narration() == "Y[0,0,1] += bias 1 → 73"
    element = trace_steps(X, K3, granularity="element", bias=bias).steps[4]
    assert element.narration().endswith("+ (-2) = 27 + 49 + (-2) = 74")  # Y[1,0,0]
    with pytest.raises(ValueError, match=r"one bias per output channel"):
        trace_steps(X, K3, bias=np.array([1, 2]))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3, "3"),
        (-12, "-12"),
        (2.0, "2"),
        (-0.0, "0"),
        (0.5, "0.5"),
        (1 / 3, "0.3333"),
        (1.0625, "1.063"),  # halves round up, as in the front end (not to even)
        (123456.789, "123457"),
        (0.00012345, "0.0001235"),
        (9.99996, "10"),
        (1e-14, "0"),
    ],
)
def test_one_number_format(value, text):
    from convutils.trace import fmt, number_text

    assert number_text(value) == text
    assert fmt(value) == (f"({text})" if text.startswith("-") else text)
