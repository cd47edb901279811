"""Exercise 3 measured: how the time of `corr2d_multi_in_out` grows with channels and padding.

For each base layer and input kind this reuses `convutils.measure_growth` (the function the
exercises chapter plots): it times the base layer, the layer with ``c_i`` and ``c_o`` both
doubled, and the layer with the padding doubled, interleaved, median of repeated runs after
a warm-up, on one thread (so the ratios reflect the work rather than how threads are
scheduled on a shared machine). Each row gives the median time, its ratio to the base
layer's median from the same run, and in ``target`` the ratio the multiplication count
predicts (4 for the channels; the output-size ratio for the padding).

Two bases: the chapter's small one (where fixed per-call costs and the window copy keep the
channel ratio below 4) and a larger one (where the matrix product dominates).

Run on its own: ``.venv/bin/python benchmarks/bench_cost_growth.py``.
"""

from __future__ import annotations

from _common import print_rows, row

from convutils.costs import ConvLayer
from convutils.timing import measure_growth

BASES = {
    "chapter base (64, 64, 16, 16, k3, p1)": ConvLayer(64, 16, 16, 64, 3, 3, padding=1),
    "larger base (64, 64, 32, 32, k3, p1)": ConvLayer(64, 32, 32, 64, 3, 3, padding=1),
}
REPEAT, WARMUP = 31, 5


def run() -> list[dict]:
    rows = []
    for base_name, base in BASES.items():
        for kind in ("torch", "numpy"):
            for case in measure_growth(base, repeat=REPEAT, warmup=WARMUP, kind=kind):
                rows.append(
                    row(
                        "cost_growth",
                        f"{base_name}, {kind}: {case.name}",
                        case.seconds,
                        "s",
                        baseline=f"{base_name}, {kind}: base",
                        ratio=case.measured_ratio,
                        target=f"formula predicts {case.predicted_ratio:.2f}x",
                    )
                )
    return rows


if __name__ == "__main__":
    print_rows(run())
