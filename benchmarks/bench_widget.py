"""The live stepper widget: one step's Python work (update + render), target < 30 ms.

A step is what a click on "Next step" costs in the kernel: the slider moves, the frame's SVG
and text are rendered and assigned to the HTML view (a traitlet update, sent to the front end
when one is connected). The baseline, timed in the same run, assigns an already rendered
string to the same view: the cost of the update alone, without rendering. An edit of ``X``
(re-trace, re-layout, render) is timed too.

Run on its own: ``.venv/bin/python benchmarks/bench_widget.py``.
"""

from __future__ import annotations

import json

import numpy as np
from _common import median_seconds, print_rows, row

import convutils as cu

BENCHMARK = "stepper widget step"


def _cases() -> list[tuple[str, cu.Stepper]]:
    X, K = cu.two_channel_example()
    rng = np.random.default_rng(0)
    return [
        ("chapter 1: X (2,3,3), K (2,2,2), per channel", cu.stepper(X, K)),
        (
            "3 output kernels, padding 1, per product",
            cu.stepper(X, cu.three_output_kernels(K), padding=1, granularity="product"),
        ),
        (
            "X (3,6,6), K (4,3,3,3), per product",
            cu.stepper(
                rng.integers(0, 9, (3, 6, 6)),
                rng.integers(0, 9, (4, 3, 3, 3)),
                granularity="product",
            ),
        ),
    ]


def _measure(case: str, s: cu.Stepper) -> list[dict]:
    w = s.widget
    n = len(w.trace.steps)
    position = {"i": 0}

    def step() -> None:
        position["i"] = (position["i"] + 1) % n
        w.set_step(position["i"])

    rendered = w.view.value

    def no_op_update() -> None:
        # The same traitlet assignments, no rendering: the view's own update cost.
        w.view.value = ""
        w.view.value = rendered

    base = median_seconds(no_op_update, repeat=51, warmup=5)
    t = median_seconds(step, repeat=51, warmup=5)
    rows = [row(BENCHMARK, case, t * 1e3, "ms", "no-op view update", t / base, "< 30 ms")]

    X = np.array(w.X)
    texts = [json.dumps(X.tolist()), json.dumps((X + 1).tolist())]
    flip = {"i": 0}

    def edit() -> None:
        flip["i"] ^= 1
        w.x_text.value = texts[flip["i"]]

    t_edit = median_seconds(edit, repeat=15, warmup=2)
    rows.append(
        row(BENCHMARK, f"{case}: edit X", t_edit * 1e3, "ms", "no-op view update", t_edit / base)
    )
    return rows


def run() -> list[dict]:
    return [r for case, s in _cases() for r in _measure(case, s)]


if __name__ == "__main__":
    print_rows(run())
