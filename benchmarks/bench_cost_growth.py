"""Exercise 3 measured: how the time of `corr2d_multi_in_out` grows with channels and padding.

For each base layer and input kind this reuses `convutils.measure_growth` (the function the
exercises chapter plots): it times the base layer, the layer with ``c_i`` and ``c_o`` both
doubled, and the layer with the padding doubled, interleaved, median of repeated runs after
a warm-up. Each row gives the median time, its ratio to the base layer's median from the
same run, and in ``target`` the ratio the multiplication count predicts (4 for the channels;
the output-size ratio for the padding).

Two bases: the chapter's small one (where fixed per-call costs and the window copy keep the
channel ratio below 4) and a larger one (where the matrix product dominates).

Both input kinds run on one thread, so the ratios reflect the work rather than how threads
are scheduled on a shared machine: `measure_growth` limits torch itself, and the numpy rows
are measured in a child process started with ``OPENBLAS_NUM_THREADS=1`` (OpenBLAS reads it
only at start-up). With its default threads on a busy 2-core machine, numpy's times were
dominated by threads waiting for a core (ratios below 1 for doubled work).

Run on its own: ``.venv/bin/python benchmarks/bench_cost_growth.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from _common import print_rows, row

from convutils.costs import ConvLayer, measure_growth

BASES = {
    "chapter base (64, 64, 16, 16, k3, p1)": ConvLayer(64, 16, 16, 64, 3, 3, padding=1),
    "larger base (64, 64, 32, 32, k3, p1)": ConvLayer(64, 32, 32, 64, 3, 3, padding=1),
}


REPEAT, WARMUP = 31, 5

# The child process for the numpy rows: prints (name, seconds, measured, predicted) per case.
_CHILD = """
import json, sys
from convutils.costs import ConvLayer, measure_growth
base = ConvLayer(*json.loads(sys.argv[1]), padding=tuple(json.loads(sys.argv[2])))
cases = measure_growth(base, repeat=int(sys.argv[3]), warmup=int(sys.argv[4]), kind="numpy")
print(json.dumps([[c.name, c.seconds, c.measured_ratio, c.predicted_ratio] for c in cases]))
"""


def _torch(base: ConvLayer) -> list[list]:
    cases = measure_growth(base, repeat=REPEAT, warmup=WARMUP, kind="torch")
    return [[c.name, c.seconds, c.measured_ratio, c.predicted_ratio] for c in cases]


def _numpy_one_thread(base: ConvLayer) -> list[list]:
    sizes = [base.c_i, base.h, base.w, base.c_o, base.k_h, base.k_w]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    args = [json.dumps(sizes), json.dumps(list(base.padding)), str(REPEAT), str(WARMUP)]
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, *args], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def run() -> list[dict]:
    rows = []
    for base_name, base in BASES.items():
        for kind in ("torch", "numpy"):
            cases = _torch(base) if kind == "torch" else _numpy_one_thread(base)
            for name, seconds, measured, predicted in cases:
                rows.append(
                    row(
                        "cost_growth",
                        f"{base_name}, {kind}: {name}",
                        seconds,
                        "s",
                        baseline=f"{base_name}, {kind}: base",
                        ratio=measured,
                        target=f"formula predicts {predicted:.2f}x",
                    )
                )
    return rows


if __name__ == "__main__":
    print_rows(run())
