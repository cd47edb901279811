"""The stepper object in-process: its mime bundle, and its widget driven like a reader would."""

import base64
import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convutils as cu
from convutils.stepper_render import frames
from convutils.trace import GRANULARITIES, trace_steps

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def example():
    return cu.stepper(*cu.two_channel_example())


def shown_outputs(html: str) -> list[str]:
    """The output grid's cell texts in a rendered view, in (o, i, j) order."""
    cells = re.findall(r'id="[^"]*-y(\d+)t" class="cvs-v"[^>]*>([^<]*)<', html)
    return [text for _, text in sorted(cells, key=lambda c: int(c[0]))]


def narration(html: str) -> str:
    return re.search(r'<p class="cvs-narr"[^>]*>([^<]*)</p>', html).group(1)


def test_bundle_has_widget_player_png_and_short_text(example):
    bundle = example._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "image/png", WIDGET_VIEW}
    assert bundle[WIDGET_VIEW]["model_id"] == example.widget.box.model_id
    assert "IntSlider(" not in bundle["text/plain"] and len(bundle["text/plain"]) < 200
    assert "[[56, 72], [104, 120]]" in bundle["text/plain"]
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    page = bundle["text/html"]
    assert len(page.encode()) < 100_000
    # Self-contained: no external script, stylesheet, font or image.
    assert not re.search(r"<script[^>]+src=|<link|@import|url\(|https?://(?!www\.w3\.org)", page)
    for name in ("Previous step", "Play", "Next step", "Large view"):
        assert name in page
    assert 'aria-live="polite"' in page


def test_a_closed_widget_leaves_the_player(example):
    example.widget.box.close()
    bundle = example._repr_mimebundle_()
    assert WIDGET_VIEW not in bundle and "text/html" in bundle


def test_player_embeds_the_frames_convutils_computed(example):
    page = example.player_html()
    data = json.loads(re.search(r'class="cvs-data">(.*?)</script>', page).group(1))
    assert data["g"] == "channel"
    assert set(data["t"]) == {"element", "channel", "product"}
    t = trace_steps(*cu.two_channel_example())
    frames = data["t"]["channel"]
    assert [f["n"] for f in frames] == [s.narration() for s in t.steps]
    assert data["f"] == ["56", "72", "104", "120"]
    assert [(f["e"], f["v"]) for f in frames] == [
        (s.out_row * 2 + s.out_col, str(s.running_total)) for s in t.steps
    ]
    # Two players of the same data never share element ids.
    ids = set(re.findall(r' id="([^"]+)"', page))
    assert not ids & set(re.findall(r' id="([^"]+)"', example.player_html()))


def test_widget_steps_and_shows_the_running_total(example):
    w = example.widget
    assert narration(w.view.value) == "Y[0,0] += channel 0: 0×0 + 1×1 + 3×2 + 4×3 = 19 → 19"
    assert shown_outputs(w.view.value) == ["19", "", "", ""]
    w.next.click()
    assert w.step == 1 and w.slider.value == 2  # the slider counts from 1, like the counter "2 / 8"
    assert "= 37 → 56" in narration(w.view.value)
    w.set_step(99)  # clamped to the last step
    assert w.step == 7
    assert shown_outputs(w.view.value) == ["56", "72", "104", "120"]
    assert '<p class="cvs-count">8 / 8</p>' in w.view.value
    w.prev.click()
    assert w.step == 6 and shown_outputs(w.view.value)[3] == "43"


def test_large_view_toggle(example):
    w = example.widget
    assert "cvs-large" not in w.view.value
    w.large.value = True
    assert 'class="cvs cvs-live cvs-large"' in w.view.value
    w.next.click()
    assert "cvs-large" in w.view.value  # stays large while stepping


def svg_sizes(html: str) -> dict[str, tuple[float, float]]:
    """Each band's drawn width and height, from its ``<svg>`` element."""
    found = re.findall(
        r'<svg class="cvs-fig cvs-fig-(\w)" [^>]*width="([\d.]+)" height="([\d.]+)"', html
    )
    return {band: (float(w), float(h)) for band, w, h in found}


def test_large_view_draws_the_figure_larger(example):
    # The live view runs no script, so the large view must come drawn larger from Python.
    w = example.widget
    normal = svg_sizes(w.view.value)
    assert set(normal) == {"x", "k", "y"}
    w.large.value = True
    large = svg_sizes(w.view.value)
    for band in "xky":
        assert large[band][0] >= 2 * normal[band][0] and large[band][1] >= 2 * normal[band][1]
    w.large.value = False
    assert svg_sizes(w.view.value) == normal


def test_kernel_line_names_the_output_channel_only_when_there_are_several(example):
    w = example.widget
    assert re.search(r'<p class="cvs-kern">Kernel in use: K\[0\]</p>', w.view.value)
    X, K = cu.two_channel_example()
    many = cu.stepper(X, cu.three_output_kernels(K)).widget
    many.set_step(many.slider.max - 1)  # the last step: output channel 2, input channel 1
    assert '<p class="cvs-kern">Kernel in use: K[2,1] (writes Y[2])</p>' in many.view.value
    many.box.close()


def test_granularity_choice_retraces(example):
    w = example.widget
    w.granularity.value = "product"
    assert w.slider.max == 32
    w.set_step(2)
    assert narration(w.view.value) == "Y[0,0] += channel 0: 3×2 = 6 → 7"
    w.granularity.value = "element"
    assert w.slider.max == 4 and w.step == 2
    assert narration(w.view.value).endswith("= 37 + 67 = 104")


def test_editing_x_recomputes(example):
    w = example.widget
    X = np.array(cu.two_channel_example()[0])
    X[0, 0, 1] = 11
    w.x_text.value = json.dumps(X.tolist())
    assert w.message.value == ""
    assert narration(w.view.value).endswith("0×0 + 11×1 + 3×2 + 4×3 = 29 → 29")
    assert example.trace.output[0][0][0] == cu.corr2d_multi_in(X, example.widget.K)[0, 0]
    # The static player of the same object follows the edit.
    assert "11×1" in example.player_html()


def test_editing_shapes_padding_and_stride(example):
    w = example.widget
    w.k_text.value = "[[[[1]], [[2]]], [[[3]], [[4]]]]"  # two 1x1 output kernels
    w.pad_text.value = "1"
    w.stride_text.value = "2, 2"
    assert w.message.value == ""
    X = cu.two_channel_example()[0]
    K = np.array([[[[1]], [[2]]], [[[3]], [[4]]]])
    expected = cu.corr2d_multi_in_out(X, K, padding=1, stride=2)
    assert expected.shape == (2, 3, 3)
    assert w.trace.out_shape == (2, 3, 3)
    w.set_step(len(w.trace.steps) - 1)
    assert shown_outputs(w.view.value) == [str(v) for v in expected.ravel()]
    assert "K[1,1]" in w.view.value


@pytest.mark.parametrize(
    ("field", "text", "fragment"),
    [
        ("x_text", "[[[0, 1], [2, x]]]", "could not read"),
        ("x_text", "[[[0, 1], [2]]]", "different lengths"),
        ("x_text", "[[[0, 'a']]]", "must be a number"),
        ("k_text", "[[[1, 2], [3, 4]]]", "input channels"),
        ("k_text", "[[[1, 2, 3, 4]]] * 2", "could not read"),
        ("x_text", "[[[1]], [[2]]]", "larger than the"),
        ("stride_text", "0", "positive"),
        ("pad_text", "one", "padding"),
    ],
)
def test_bad_input_keeps_the_last_valid_state(example, field, text, fragment):
    w = example.widget
    w.set_step(1)
    before = w.view.value
    getattr(w, field).value = text
    assert "Not applied" in w.message.value and fragment in w.message.value
    assert 'role="alert"' in w.message.value
    assert w.view.value == before and w.step == 1
    assert example.trace.output == (((56, 72), (104, 120)),)
    # Fixing the text clears the message.
    getattr(w, field).value = {
        "x_text": json.dumps(cu.two_channel_example()[0].tolist()),
        "k_text": json.dumps(cu.two_channel_example()[1].tolist()),
        "stride_text": "1",
        "pad_text": "0",
    }[field]
    assert w.message.value == ""


def test_too_many_steps_are_refused(example):
    w = example.widget
    w.x_text.value = json.dumps(np.ones((2, 40, 40), dtype=int).tolist())
    assert "at most" in w.message.value
    assert len(w.trace.steps) == 8


def test_bad_call_raises_at_once():
    X, K = cu.two_channel_example()
    with pytest.raises(ValueError, match="input channels"):
        cu.stepper(X, K[:1])
    with pytest.raises(ValueError, match=r"stepper: X \(8, 32, 32\) .* at most 3000"):
        cu.stepper(np.ones((8, 32, 32)), np.ones((8, 3, 3)))


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 3),
    st.integers(1, 2),
    st.integers(1, 3),
    st.integers(0, 1),
    st.integers(1, 2),
    st.sampled_from(GRANULARITIES),
    st.integers(0, 2**32 - 1),
)
def test_frames_show_what_the_trace_computed(c_i, c_o, k, pad, stride, granularity, seed):
    rng = np.random.default_rng(seed)
    X = rng.integers(-5, 6, (c_i, 4, 3))
    K = rng.integers(-5, 6, (c_o, c_i, k, k))
    t = trace_steps(X, K, pad, stride, granularity)
    Y = cu.corr2d_multi_in_out(X, K, padding=pad, stride=stride)
    _, h_o, w_o = Y.shape
    fs = frames(t)
    assert len(fs) == len(t.steps)
    for f, s in zip(fs, t.steps, strict=True):
        flat = (s.out_channel * h_o + s.out_row) * w_o + s.out_col
        assert f.element == flat and f.out_state[flat] == "c"
        assert f.out_text[flat] == str(s.running_total)
        assert f.narration == s.narration()
        # Finished elements show the output's values; the ones not reached are blank.
        for e, (text, state) in enumerate(zip(f.out_text, f.out_state, strict=True)):
            if e < flat:
                assert state == "d" and text == str(Y.ravel()[e])
            elif e > flat:
                assert state == "." and text == ""
        shaded_x = {key for key, cls in f.marks if key.startswith("x") and cls == "p"}
        assert shaded_x == {f"x{p.channel}_{p.row}_{p.col}" for p in s.products}
        assert (f"kg{s.out_channel}", "on") in f.marks
