"""The front end's trace equals Python's, number for number and word for word.

``convutils/stepper/stepper.js`` recomputes every step in the browser (the reader edits the
data there, with no kernel). Node runs its named exports on 360 random cases (shapes,
negative and fractional values, padding, stride, bias, every granularity) and on the bad
inputs the reader can type; :func:`convutils.trace.trace_steps` and the widget's checks must
give the same products, partial sums, running totals, narration and error messages.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import convutils as cu
from convutils.stepper.widget import check_state
from convutils.trace import GRANULARITIES, number_text, trace_steps

MODULE = Path(cu.__file__).parent / "stepper" / "stepper.js"
NODE = shutil.which("node")

RUNNER = """
import { readFileSync } from "node:fs";
const m = await import(process.argv[1]);
const job = JSON.parse(readFileSync(0, "utf8"));
const out = {};
out.numbers = job.numbers.map(m.numberText);
out.traces = job.cases.map((state) => {
  const t = m.traceSteps(state);
  return { output: t.output, steps: t.steps.map((s) => ({
    at: [s.out_channel, s.out_row, s.out_col], channels: s.channels, rows: s.rows, cols: s.cols,
    products: s.products.map((p) => [p.channel, p.row, p.col, p.k_row, p.k_col, p.x, p.k,
      p.value, p.padded]),
    channel_sums: s.channel_sums, partial_sum: s.partial_sum, running_total: s.running_total,
    finishes: s.finishes_element, narration: m.narration(s) })) };
});
out.errors = job.bad.map((state) => {
  try { m.checkState(state); return null; } catch (e) { return e.message; }
});
out.parsed = job.texts.map(([name, text, dims]) => {
  try { return { value: m.parseArray(name, text, dims) }; }
  catch (e) { return { error: e.message }; }
});
process.stdout.write(JSON.stringify(out));
"""


def run_node(job: dict) -> dict:
    assert NODE, "node is missing: the front end's parity cannot be checked"
    proc = subprocess.run(
        [NODE, "--input-type=module", "-e", RUNNER, MODULE.as_uri()],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def random_cases(n: int, seed: int = 9) -> list[dict]:
    rng = np.random.default_rng(seed)
    cases = []
    for t in range(n):
        c_i, c_o = rng.integers(1, 4), rng.integers(1, 4)
        k_h, k_w = rng.integers(1, 4), rng.integers(1, 4)
        p_h, p_w = rng.integers(0, 3), rng.integers(0, 3)
        if t % 2 == 0:
            p_w = p_h  # one int for both sides
        h = rng.integers(max(1, k_h - 2 * p_h), 6)
        w = rng.integers(max(1, k_w - 2 * p_w), 6)
        kind = t % 4
        if kind == 0:  # small integers, negative ones included
            X = rng.integers(-9, 10, (c_i, h, w))
            K = rng.integers(-9, 10, (c_o, c_i, k_h, k_w))
        elif kind == 1:  # quarters: exact fractions
            X = rng.integers(-20, 21, (c_i, h, w)) / 4
            K = rng.integers(-20, 21, (c_o, c_i, k_h, k_w)) / 4
        elif kind == 2:  # any double: sums round, and the format must round alike
            X = rng.normal(0, 3, (c_i, h, w))
            K = rng.normal(0, 1, (c_o, c_i, k_h, k_w))
        else:  # mixed magnitudes, integers in X, fractions in K
            X = rng.integers(-1000, 1000, (c_i, h, w))
            K = np.round(rng.normal(0, 0.01, (c_o, c_i, k_h, k_w)), 5)
        if t % 5 == 0:
            K = K[0]  # a 3-D kernel: one output channel
        stride = [int(rng.integers(1, 4)), int(rng.integers(1, 4))]
        bias = None
        if t % 3 == 0:
            c = K.shape[0] if K.ndim == 4 else 1
            bias = np.round(rng.normal(0, 5, c), 2 if t % 2 else 0).tolist()
        cases.append(
            {
                "X": X.tolist(),
                "K": K.tolist(),
                "bias": bias,
                "padding": [int(p_h), int(p_w)] if t % 2 else int(p_h),
                "stride": stride if t % 2 else stride[0],
                "granularity": GRANULARITIES[t % 3 if t % 7 else (t // 7) % 3],
            }
        )
    return cases


def python_trace(state: dict):
    pair = lambda v: tuple(v) if isinstance(v, list) else v  # noqa: E731
    bias = None if state["bias"] is None else np.array(state["bias"])
    return trace_steps(
        np.array(state["X"]),
        np.array(state["K"]),
        pair(state["padding"]),
        pair(state["stride"]),
        state["granularity"],
        bias,
    )


BAD = [
    ({"X": [[[1, 2], [3]]]}, "different lengths"),
    ({"X": [[[1, "a"]]]}, "must be a number"),
    ({"X": [[1, 2], [3, 4]]}, "levels of nesting"),
    ({"K": [[[1, 2], [3, 4]]]}, "input channels"),
    ({"K": [[[[1, 1, 1, 1]] * 4] * 2]}, "larger than the"),
    ({"padding": -1}, "non-negative"),
    ({"padding": [1, -2]}, "non-negative"),
    ({"stride": 0}, "positive"),
    ({"stride": [1, 0]}, "positive"),
    ({"X": np.ones((2, 40, 40), int).tolist()}, "at most 3000"),
    ({"bias": [1, 2]}, "one bias per output channel"),
    ({"bias": []}, "zero-sized"),
    ({"X": [[[]]]}, "zero-sized"),
    ({"granularity": "row"}, "'row'"),
]


def base_state() -> dict:
    X, K = cu.two_channel_example()
    return {
        "X": X.tolist(),
        "K": K.tolist(),
        "bias": None,
        "padding": 0,
        "stride": 1,
        "granularity": "channel",
    }


def python_error(state: dict) -> str | None:
    try:
        s = cu.stepper(**base_state_args())
        s.update(**state)
    except (ValueError, TypeError) as err:
        return str(err)
    try:
        check_state(state)
    except (ValueError, TypeError) as err:
        return str(err)
    return None


def base_state_args() -> dict:
    X, K = cu.two_channel_example()
    return {"X": X, "K": K}


@pytest.fixture(scope="module")
def results():
    rng = np.random.default_rng(4)
    numbers = [0.5, 1.0625, -2.5, 1 / 3, 2 / 3, 0.1 + 0.2, 9.99996, 99995.5, 1e-5, 0.00012345]
    numbers += [-0.0, 1e-14, 123456.789, 2.0**52 + 0.5, 1e20, -7.0, 0.99995, 1.00005]
    numbers += (rng.normal(0, 1, 400) * 10.0 ** rng.integers(-8, 9, 400)).tolist()
    numbers += (rng.integers(-9999, 9999, 200) / 8).tolist()
    cases = random_cases(360)
    bad = [{**base_state(), **change} for change, _ in BAD]
    texts = [
        ["X", "[[[0, 1], [2, x]]]", [3]],
        ["X", "[[[0, 'a']]]", [3]],
        ["X", "[[[0, 1], [2]]]", [3]],
        ["K", "[[[1, 2, 3, 4]]] * 2", [3, 4]],
        ["K", "[[[1, 2], [3, 4]]]", [3, 4]],
        ["X", "[[[1.5, -2e-1], [+3, .25]]]", [3]],
        ["bias", "[1, 2", [1]],
    ]
    job = {"numbers": numbers, "cases": cases, "bad": bad, "texts": texts}
    return {"job": job, "js": run_node(job)}


def test_number_format_is_identical(results):
    py = [number_text(v) for v in results["job"]["numbers"]]
    assert py == results["js"]["numbers"]
    assert py[:4] == ["0.5", "1.063", "-2.5", "0.3333"]


def test_at_least_300_random_cases_give_identical_frames(results):
    cases, traces = results["job"]["cases"], results["js"]["traces"]
    assert len(cases) >= 300
    granularities = {c["granularity"] for c in cases}
    assert granularities == set(GRANULARITIES)
    assert any(c["bias"] is not None for c in cases) and any(np.ndim(c["K"]) == 3 for c in cases)
    compared = 0
    for state, js in zip(cases, traces, strict=True):
        t = python_trace(state)
        assert js["output"] == [list(map(list, plane)) for plane in t.output]
        assert len(js["steps"]) == len(t.steps), state
        for s, j in zip(t.steps, js["steps"], strict=True):
            assert j["at"] == [s.out_channel, s.out_row, s.out_col]
            assert j["channels"] == list(s.channels)
            assert (j["rows"], j["cols"]) == (list(s.rows), list(s.cols))
            assert j["products"] == [
                [p.channel, p.row, p.col, p.k_row, p.k_col, p.x, p.k, p.value, p.padded]
                for p in s.products
            ]
            assert j["channel_sums"] == list(s.channel_sums)
            assert j["partial_sum"] == s.partial_sum
            assert j["running_total"] == s.running_total
            assert j["finishes"] == s.finishes_element
            assert j["narration"] == s.narration()
            compared += 1
    assert compared > 5000


def test_final_outputs_match_the_library(results):
    for state, js in zip(results["job"]["cases"], results["js"]["traces"], strict=True):
        K = np.array(state["K"])
        K4 = K if K.ndim == 4 else K[None]
        pair = lambda v: tuple(v) if isinstance(v, list) else v  # noqa: E731
        bias = None if state["bias"] is None else np.array(state["bias"])
        Y = cu.corr2d_multi_in_out(
            np.array(state["X"]),
            K4,
            padding=pair(state["padding"]),
            stride=pair(state["stride"]),
            bias=bias,
        )
        np.testing.assert_allclose(np.array(js["output"]), Y, rtol=1e-12, atol=1e-12)


def test_bad_input_is_worded_as_the_library_words_it(results):
    for (change, fragment), js in zip(BAD, results["js"]["errors"], strict=True):
        py = python_error({**base_state(), **change})
        assert py is not None and fragment in py, (change, py)
        assert js == py, (change, js, py)


def test_typed_text_is_read_like_python_lists(results):
    parsed = results["js"]["parsed"]
    assert "could not read" in parsed[0]["error"]
    assert "must be a number" in parsed[1]["error"]
    assert "different lengths" in parsed[2]["error"]
    assert "could not read" in parsed[3]["error"]
    assert parsed[4] == {"value": [[[1, 2], [3, 4]]]}
    assert parsed[5] == {"value": [[[1.5, -0.2], [3, 0.25]]]}
    assert "could not read" in parsed[6]["error"]


def test_the_module_is_valid_on_its_own():
    proc = subprocess.run(
        [NODE, "--check", "--input-type=module"],
        input=MODULE.read_text(),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
