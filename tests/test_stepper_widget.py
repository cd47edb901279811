"""The stepper object in-process: its mime bundle, its synced traits and their checks.

The front end's own behaviour is driven in a real browser (tests/test_stepper_browser.py) and
in JupyterLab (tests/test_stepper_lab.py); its arithmetic is compared with Python's in
tests/test_stepper_parity.py.
"""

import base64
import json
import re

import numpy as np
import pytest
import torch

import convutils as cu
from convutils.stepper.widget import asset
from convutils.trace import trace_steps

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def example():
    X, K = cu.two_channel_example()
    s = cu.stepper(X, K, name="two-channels")
    yield s
    s.close()


def test_bundle_has_widget_player_png_and_short_text(example):
    bundle, _ = example._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "image/png", WIDGET_VIEW}
    assert bundle[WIDGET_VIEW]["model_id"] == example.model_id
    assert len(bundle["text/plain"]) < 200
    assert "[[56, 72], [104, 120]]" in bundle["text/plain"]
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")


def test_the_page_player_is_self_contained(example):
    page = example._repr_mimebundle_()[0]["text/html"]
    assert len(page.encode()) < 100_000
    # No external script, stylesheet, font or image; the module and CSS are the widget's own.
    assert not re.search(r"<script[^>]+src=|<link|@import|url\(|https?://", page)
    assert asset("stepper.js") in page and asset("stepper.css") in page
    assert '<script type="module">' in page  # inline: no URL to import from
    state = json.loads(re.search(r'class="cvs-state">(.*?)</script>', page).group(1))
    assert state["host"] == "page" and state["name"] == "two-channels"
    assert state["X"] == cu.two_channel_example()[0].tolist()
    assert state["example"]["K"] == cu.two_channel_example()[1].tolist()
    assert state["step"] == 1
    # Nothing in the embedded texts can close their <script> elements early.
    assert page.count("</script>") == 2


def test_the_module_is_the_anywidget_front_end(example):
    assert example._esm == asset("stepper.js") and example._css == asset("stepper.css")
    assert "export default { render }" in example._esm


def test_traits_are_the_data_and_the_step(example):
    X, K = cu.two_channel_example()
    assert example.X == X.tolist() and example.K == K.tolist()
    assert (example.padding, example.stride, example.granularity) == (0, 1, "channel")
    assert example.bias is None and example.step == 1
    example.step = 5  # counted from 1, as "Step 5 of 8" on screen
    assert example.step == 5
    assert (
        example.trace.steps[example.step - 1].narration() == trace_steps(X, K).steps[4].narration()
    )


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("X", [[[1, 2], [3]]], "different lengths"),
        ("X", [[["a"]]], "must be a number"),
        ("X", np.zeros((3, 3)), "levels of nesting"),
        ("K", np.zeros((3, 2, 2)), "input channels"),
        ("K", np.zeros((2, 4, 4)), "larger than the"),
        ("padding", -1, "non-negative"),
        ("stride", (1, 0), "positive"),
        ("stride", 1.5, "an int or an (h, w) pair"),
        ("X", np.ones((2, 40, 40)), "at most 3000"),
        ("bias", [1, 2], "one bias per output channel"),
        ("granularity", "row", "'row'"),
        ("step", 9, "between 1 and 8"),
        ("step", 0, "between 1 and 8"),
    ],
)
def test_a_bad_value_raises_and_keeps_the_last_valid_state(example, name, value, fragment):
    example.step = 3
    before = {k: getattr(example, k) for k in ("X", "K", "bias", "padding", "stride", "step")}
    with pytest.raises((ValueError, TypeError)) as info:
        setattr(example, name, value)
    assert fragment in str(info.value)
    assert str(info.value).startswith(("stepper:", f"{name}:"))
    assert {k: getattr(example, k) for k in before} == before
    assert example.trace.output == (((56, 72), (104, 120)),)


def test_update_sets_several_traits_together_or_none(example):
    X3 = np.arange(27).reshape(3, 3, 3)
    K3 = np.ones((2, 3, 1, 1), dtype=int)
    example.update(X=X3, K=K3)
    assert example.trace.out_shape == (2, 3, 3)
    np.testing.assert_array_equal(np.array(example.trace.output), cu.corr2d_multi_in_out(X3, K3))
    with pytest.raises(ValueError, match="input channels"):
        example.update(X=np.zeros((2, 3, 3)), K=K3)
    assert example.X == X3.tolist()


def test_a_smaller_example_pulls_the_step_back(example):
    example.step = 8
    example.X = np.arange(8).reshape(2, 2, 2)  # one output element: 2 steps per channel
    assert example.step == 2


def test_tensors_and_bias(example):
    X, K = cu.two_channel_example()
    K3 = cu.three_output_kernels(K)
    s = cu.stepper(torch.tensor(X), torch.tensor(K3), bias=torch.tensor([1, -2, 3]))
    assert s.bias == [1, -2, 3]
    expected = cu.corr2d_multi_in_out(X, K3, bias=np.array([1, -2, 3]))
    np.testing.assert_array_equal(np.array(s.trace.output), expected)
    assert s.trace.steps[2].narration() == "Y[0,0,0] += bias 1 → 57"
    assert len(s.trace.steps) == 3 * 4 * 3
    s.close()


def test_bias_is_one_number_per_output_channel():
    X, K = cu.two_channel_example()
    with pytest.raises(ValueError, match=r"one bias per output channel, so bias must have shape"):
        cu.stepper(X, cu.three_output_kernels(K), bias=np.array([1, 2]))
    element = trace_steps(X, K, granularity="element", bias=np.array([5]))
    assert element.steps[0].narration().endswith("= 19 + 37 + 5 = 61")


def test_bad_call_raises_at_once():
    X, K = cu.two_channel_example()
    with pytest.raises(ValueError, match="input channels"):
        cu.stepper(X, K[:1])
    with pytest.raises(ValueError, match=r"stepper: X \(8, 32, 32\) .* at most 3000"):
        cu.stepper(np.ones((8, 32, 32)), np.ones((8, 3, 3)))
    with pytest.raises(ValueError, match="granularity"):
        cu.stepper(X, K, granularity="rows")


def test_reset_example_is_the_chapter_example(example):
    example.X = (np.array(example.X) + 1).tolist()
    assert example.example["X"] == cu.two_channel_example()[0].tolist()


def test_png_shows_the_finished_output(example):
    png = example.png()
    assert png.startswith(b"\x89PNG") and len(png) > 2000
