"""The live stepper widget, Python's side: what the kernel spends when the step or the data
change (target < 30 ms; the drawing itself is the front end's, see bench_player.py).

``s.step = n``: the trait's check (the step count from the data's shapes) and the update
message; ``s.X = ...``: the data's checks (the library's rules) and the update; and
``_repr_mimebundle_``: what displaying the stepper costs (the widget view, the page's
self-contained copy and the PNG for the PDF). The baseline, timed in the same run, sets an
unchecked trait (``interval_ms``) of the same widget.

Run on its own: ``.venv/bin/python benchmarks/bench_widget.py``.
"""

from __future__ import annotations

import numpy as np
from _common import median_seconds, print_rows, row

import convutils as cu

BENCHMARK = "stepper widget (kernel side)"


def _cases() -> list[tuple[str, cu.Stepper]]:
    X, K = cu.two_channel_example()
    rng = np.random.default_rng(0)
    return [
        ("chapter 1: X (2,3,3), K (2,2,2), per channel", cu.stepper(X, K)),
        (
            "X (3,12,13), K (1,3,3,3), per product (2970 steps)",
            cu.stepper(
                rng.integers(-9, 10, (3, 12, 13)),
                rng.integers(-2, 3, (1, 3, 3, 3)),
                granularity="product",
            ),
        ),
    ]


def _measure(case: str, s: cu.Stepper) -> list[dict]:
    n = len(s.trace.steps)
    position = {"i": 0}

    def step() -> None:
        position["i"] = position["i"] % n + 1
        s.step = position["i"]

    flip = {"i": 0}

    def no_op() -> None:
        flip["i"] ^= 1
        s.interval_ms = 900 + flip["i"]

    X = np.array(s.X)
    datas = [X.tolist(), (X + 1).tolist()]

    def edit() -> None:
        flip["i"] ^= 1
        s.X = datas[flip["i"]]

    base = median_seconds(no_op, repeat=51, warmup=5)
    t_step = median_seconds(step, repeat=51, warmup=5)
    t_edit = median_seconds(edit, repeat=15, warmup=2)
    t_show = median_seconds(s._repr_mimebundle_, repeat=5, warmup=1)
    base_name = "set an unchecked trait"
    return [
        row(
            BENCHMARK,
            f"{case}: s.step = n",
            t_step * 1e3,
            "ms",
            base_name,
            t_step / base,
            "< 30 ms",
        ),
        row(
            BENCHMARK, f"{case}: s.X = ...", t_edit * 1e3, "ms", base_name, t_edit / base, "< 30 ms"
        ),
        row(
            BENCHMARK,
            f"{case}: display (view + page copy + PNG)",
            t_show * 1e3,
            "ms",
            base_name,
            t_show / base,
        ),
    ]


def run() -> list[dict]:
    rows = []
    for case, s in _cases():
        rows += _measure(case, s)
        s.close()
    return rows


if __name__ == "__main__":
    print_rows(run())
