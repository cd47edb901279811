"""Helpers every benchmark script uses: a median timer and one row format.

Every script under ``benchmarks/`` exposes ``run() -> list[dict]`` returning rows made by
:func:`row`, and prints them with :func:`print_rows` when run on its own. ``run_all.py``
collects the rows of every script into one table and a JSON file.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], repeat: int = 7, warmup: int = 2) -> float:
    """Median wall time of ``fn()`` over ``repeat`` runs, after ``warmup`` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def row(
    benchmark: str,
    case: str,
    value: float,
    unit: str,
    baseline: str | None = None,
    ratio: float | None = None,
    target: str | None = None,
) -> dict:
    """One measured figure; ``ratio`` is ``value`` over the same-run ``baseline``'s value."""
    return {
        "benchmark": benchmark,
        "case": case,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "ratio": ratio,
        "target": target,
    }


def print_rows(rows: list[dict]) -> None:
    """Print rows as an aligned plain-text table."""
    header = ["benchmark", "case", "value", "unit", "ratio", "baseline", "target"]
    cells = [
        [
            r["benchmark"],
            r["case"],
            f"{r['value']:.4g}",
            r["unit"],
            "" if r["ratio"] is None else f"{r['ratio']:.2f}",
            r["baseline"] or "",
            r["target"] or "",
        ]
        for r in rows
    ]
    widths = [max(len(str(c)) for c in col) for col in zip(header, *cells, strict=True)]
    for line in [header, *cells]:
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
