"""The cost formulas of `convutils.costs` against operations that were really counted.

Forward: the reference loops run on counting numbers, and the im2col matrix shapes.
Backward: hand-written backward loops on counting numbers (checked against torch autograd's
gradients first), torch's own FLOP counter, and the tensors autograd keeps.
"""

from __future__ import annotations

import numpy as np
import pytest
import strategies
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from strategies import layer_arrays
from torch.utils.flop_counter import FlopCounterMode

import convutils as cu
from convutils.costs import ConvLayer, OpCount, count_forward_operations
from convutils.timing import measure_growth


def layers(max_size: int = 6):
    """Small layers with any padding and stride, windows up to the padded input's size."""
    return strategies.layers(max_kernel=max_size, max_stride=4, max_size=max_size)


# --- forward -----------------------------------------------------------------------------


def test_worked_example_counts():
    # The section's example: X (2, 3, 3), K (3, 2, 2, 2) -> Y (3, 2, 2). Each of the 12
    # output elements sums 2*2*2 = 8 products with 7 additions.
    layer = ConvLayer(2, 3, 3, 3, 2, 2)
    assert layer.forward_cost() == OpCount(multiplications=96, additions=84)
    counted, _ = count_forward_operations(layer)
    assert counted == OpCount(96, 84)


@settings(max_examples=40, deadline=None)
@given(layers())
def test_forward_formula_matches_counted_reference_loops(layer):
    counted, values = count_forward_operations(layer, seed=3)
    assert counted == layer.forward_cost()
    # The instrumented run computed the real layer, not some other arithmetic.
    X, K = layer_arrays(layer, seed=3)
    expected = cu.corr2d_multi_in_out(X, K, padding=layer.padding, stride=layer.stride)
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(layers(max_size=9))
def test_forward_formula_matches_im2col_shapes(layer):
    X, K = layer_arrays(layer)
    cols = cu.im2col(X, layer.k_h, layer.k_w, layer.padding, layer.stride)
    rows, positions = cols.shape
    # (c_o, rows) @ (rows, positions): rows products and rows - 1 additions per entry.
    assert layer.forward_cost() == OpCount(
        K.shape[0] * rows * positions, K.shape[0] * (rows - 1) * positions
    )
    assert layer.im2col_buffer() == cols.size
    Y = cu.corr2d_multi_in_out(X, K, padding=layer.padding, stride=layer.stride)
    assert Y.shape == (layer.c_o, layer.h_o, layer.w_o)
    assert layer.forward_memory().parts == {"input": X.size, "weights": K.size, "output": Y.size}


def test_one_by_one_cost_is_c_o_c_i_h_w():
    layer = ConvLayer(3, 5, 7, 4, 1, 1)
    assert layer.forward_cost() == OpCount(4 * 3 * 5 * 7, 4 * 2 * 5 * 7)


def test_memory_bytes_and_total():
    mem = ConvLayer(2, 3, 3, 3, 2, 2).forward_memory()
    assert mem.total == 18 + 24 + 12
    assert mem.bytes(4) == 4 * 54 and mem.bytes(8) == 8 * 54


# --- backward ----------------------------------------------------------------------------


def _windows(K_shape, dY_shape, stride):
    """Every (o, i, j, c, a, b) of the layer with its padded input position (y, x)."""
    c_o, c_i, k_h, k_w = K_shape
    _, h_o, w_o = dY_shape
    for o, i, j, c, a, b in np.ndindex(c_o, h_o, w_o, c_i, k_h, k_w):
        yield o, i, j, c, a, b, i * stride[0] + a, j * stride[1] + b


def _input_grad_loops(X_pad_shape, K, dY, stride):
    """``dX_pad[c, i s_h + a, j s_w + b] += dY[o, i, j] K[o, c, a, b]``, one product at a
    time. The buffer starts at the integer 0, so the first term into a slot is no addition."""
    dX = np.zeros(X_pad_shape, dtype=object)
    for o, i, j, c, a, b, y, x in _windows(K.shape, dY.shape, stride):
        dX[c, y, x] = dX[c, y, x] + dY[o, i, j] * K[o, c, a, b]
    return dX


def _weight_grad_loops(X_pad, K_shape, dY, stride):
    """``dK[o, c, a, b] += dY[o, i, j] X_pad[c, i s_h + a, j s_w + b]``."""
    dK = np.zeros(K_shape, dtype=object)
    for o, i, j, c, a, b, y, x in _windows(K_shape, dY.shape, stride):
        dK[o, c, a, b] = dK[o, c, a, b] + dY[o, i, j] * X_pad[c, y, x]
    return dK


class _Tally:
    """Counts the products and sums of one gradient at a time."""

    def __init__(self) -> None:
        self.count = OpCount(0, 0)


class _Num:
    def __init__(self, value: float, tally: _Tally) -> None:
        self.value, self.tally = value, tally

    def __mul__(self, other):
        self.tally.count += OpCount(1, 0)
        return _Num(self.value * _value(other), self.tally)

    __rmul__ = __mul__

    def __add__(self, other):
        if not (isinstance(other, int) and other == 0):
            self.tally.count += OpCount(0, 1)
        return _Num(self.value + _value(other), self.tally)

    __radd__ = __add__


def _value(v):
    return v.value if isinstance(v, _Num) else v


def _wrap(a: np.ndarray, tally: _Tally) -> np.ndarray:
    out = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(a.shape):
        out[idx] = _Num(float(a[idx]), tally)
    return out


def _unwrap(a: np.ndarray) -> np.ndarray:
    return np.vectorize(_value, otypes=[float])(a)


@settings(max_examples=30, deadline=None)
@given(layers(max_size=5))
def test_backward_formula_matches_counted_chain_rule(layer):
    X, K = layer_arrays(layer, seed=1)
    (p_h, p_w), stride = layer.padding, layer.stride
    dY = np.random.default_rng(2).standard_normal((layer.c_o, layer.h_o, layer.w_o))
    X_pad = np.pad(X, ((0, 0), (p_h, p_h), (p_w, p_w)))

    counts = {"input": _Tally(), "weights": _Tally()}
    dX = _input_grad_loops(
        X_pad.shape, _wrap(K, counts["input"]), _wrap(dY, counts["input"]), stride
    )
    dK = _weight_grad_loops(
        _wrap(X_pad, counts["weights"]), K.shape, _wrap(dY, counts["weights"]), stride
    )

    # The loops are the true gradient: compare with torch autograd.
    Xt = torch.tensor(X, requires_grad=True)
    Kt = torch.tensor(K, requires_grad=True)
    Yt = F.conv2d(Xt[None], Kt, padding=layer.padding, stride=stride)[0]
    Yt.backward(torch.tensor(dY))
    h, w = layer.h, layer.w
    np.testing.assert_allclose(_unwrap(dK), Kt.grad.numpy(), atol=1e-10)
    dX_inner = _unwrap(dX)[:, p_h : p_h + h, p_w : p_w + w]
    np.testing.assert_allclose(dX_inner, Xt.grad.numpy(), atol=1e-10)

    expected = layer.backward_cost()
    assert counts["input"].count == expected["input"]
    assert counts["weights"].count == expected["weights"]
    assert expected["total"].multiplications == 2 * layer.forward_cost().multiplications


@settings(max_examples=25, deadline=None)
@given(layers(max_size=8))
def test_multiplications_match_torch_flop_counter(layer):
    X, K = layer_arrays(layer)
    Xt = torch.tensor(X, requires_grad=True)
    Kt = torch.tensor(K, requires_grad=True)
    with FlopCounterMode(display=False) as forward:
        Yt = F.conv2d(Xt[None], Kt, padding=layer.padding, stride=layer.stride)
    with FlopCounterMode(display=False) as backward:
        Yt.backward(torch.ones_like(Yt))
    # torch counts a multiply-add as two FLOPs.
    assert forward.get_total_flops() == 2 * layer.forward_cost().multiplications
    assert backward.get_total_flops() == 2 * layer.backward_cost()["total"].multiplications


@settings(max_examples=25, deadline=None)
@given(layers(max_size=8))
def test_backward_memory_matches_autograd(layer):
    X, K = layer_arrays(layer)
    Xt = torch.tensor(X, requires_grad=True)
    Kt = torch.tensor(K, requires_grad=True)
    Yt = F.conv2d(Xt[None], Kt, padding=layer.padding, stride=layer.stride)
    saved_input = Yt.grad_fn._saved_input.numel()
    saved_weight = Yt.grad_fn._saved_weight.numel()
    dY = torch.ones_like(Yt)
    Yt.backward(dY)
    assert layer.backward_memory().parts == {
        "saved input": saved_input,
        "saved weights": saved_weight,
        "output gradient": dY.numel(),
        "input gradient": Xt.grad.numel(),
        "weight gradient": Kt.grad.numel(),
    }


def test_stride_that_skips_rows_leaves_input_untouched():
    # Stride 3 with a 1x1 window reads every third row and column: the input gradient gets
    # no additions at all, and only h_o * w_o positions per channel are written.
    layer = ConvLayer(2, 7, 7, 3, 1, 1, stride=3)
    assert (layer.h_o, layer.w_o) == (3, 3)
    assert layer.backward_cost()["input"] == OpCount(3 * 2 * 9, 2 * (3 * 9 - 9))


# --- growth ------------------------------------------------------------------------------


def test_measure_growth_reports_formula_ratios():
    base = ConvLayer(4, 8, 8, 4, 3, 3, padding=1)
    cases = measure_growth(base, repeat=3, warmup=1)
    assert [c.name for c in cases] == ["base", "c_i and c_o doubled", "padding doubled"]
    assert cases[0].measured_ratio == 1.0 and cases[0].predicted_ratio == 1.0
    assert cases[1].predicted_ratio == 4.0
    assert cases[1].layer == ConvLayer(8, 8, 8, 8, 3, 3, padding=1)
    # 8x8 output with padding 1, 10x10 with padding 2.
    assert cases[2].predicted_ratio == pytest.approx(100 / 64)
    assert all(c.seconds > 0 for c in cases)
    assert cases[1].measured_ratio == pytest.approx(cases[1].seconds / cases[0].seconds)
    numpy_cases = measure_growth(base, repeat=2, warmup=0, kind="numpy")
    assert [c.predicted_ratio for c in numpy_cases] == [c.predicted_ratio for c in cases]


def test_measure_growth_restores_thread_counts():
    from threadpoolctl import threadpool_info

    def pools():
        return [(p["internal_api"], p["num_threads"]) for p in threadpool_info()]

    before = torch.get_num_threads(), pools()
    measure_growth(ConvLayer(2, 5, 5, 2, 3, 3, padding=1), repeat=1, warmup=0)
    measure_growth(ConvLayer(2, 5, 5, 2, 3, 3, padding=1), repeat=1, warmup=0, kind="numpy")
    assert (torch.get_num_threads(), pools()) == before


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"c_i": 0}, ValueError, "c_i must be positive"),
        ({"h": -3}, ValueError, "h must be positive"),
        ({"k_w": 2.5}, TypeError, "k_w must be an int"),
        ({"c_o": True}, TypeError, "c_o must be an int"),
        ({"padding": -1}, ValueError, "padding must be non-negative"),
        ({"stride": 0}, ValueError, "stride must be positive"),
        ({"stride": (1, 2, 3)}, TypeError, "stride must be an int or an (h, w) pair"),
        ({"k_h": 9}, ValueError, "larger than the 7x7 padded input"),
    ],
)
def test_bad_layer_is_rejected_with_a_clear_message(kwargs, error, words):
    args = {"c_i": 2, "h": 5, "w": 5, "c_o": 3, "k_h": 3, "k_w": 3, "padding": 1, "stride": 1}
    with pytest.raises(error) as info:
        ConvLayer(**{**args, **kwargs})
    assert words in str(info.value)


def test_measure_growth_rejects_bad_arguments():
    with pytest.raises(TypeError, match="base must be a ConvLayer"):
        measure_growth((16, 16, 32, 32, 3))
    with pytest.raises(ValueError, match="kind must be 'torch' or 'numpy'"):
        measure_growth(kind="jax")
    with pytest.raises(ValueError, match="repeat >= 1"):
        measure_growth(repeat=0)
