"""Timing the library: how the work grows when the channels or the padding double.

Exercise 3 of the section asks how the cost grows; `convutils.costs` predicts it with
formulas, and :func:`measure_growth` times `convutils.corr2d_multi_in_out` on the same layers
so the two can be read side by side (the exercises page and `benchmarks/bench_cost_growth.py`).
"""

from __future__ import annotations

import contextlib
import itertools
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from convutils.costs import ConvLayer


@dataclass(frozen=True)
class GrowthCase:
    """One timed layer of :func:`measure_growth`, against the base layer."""

    name: str
    layer: ConvLayer
    seconds: float
    measured_ratio: float
    predicted_ratio: float


def measure_growth(
    base: ConvLayer | None = None,
    repeat: int = 21,
    warmup: int = 3,
    kind: str = "torch",
    seed: int = 0,
) -> list[GrowthCase]:
    """Time `convutils.corr2d_multi_in_out` (float32, default path) on three layers.

    The cases are ``"base"``, ``"c_i and c_o doubled"`` and ``"padding doubled"``, each on
    ``kind`` input (``"torch"`` or ``"numpy"``). Each time is the median of ``repeat`` runs
    after ``warmup`` untimed runs; the runs of the three cases are interleaved, so a burst of
    load from elsewhere on the machine slows all three alike instead of one. The runs use one
    thread (numpy's BLAS and torch's pools, restored afterwards): on a busy machine, threads
    waiting for a core make the time depend on scheduling rather than on the work.
    ``measured_ratio`` is a case's time over the base time; ``predicted_ratio`` is its
    forward multiplications over the base's (:meth:`ConvLayer.forward_cost`).

    The default base, ``(c_i, c_o, h, w, k, p) = (64, 64, 16, 16, 3, 1)``, is large enough
    for the matrix product to dominate and small enough that the padding matters (the output
    grows from 16x16 to 18x18); all the runs take well under a second.
    """
    import convutils

    if base is None:
        base = ConvLayer(64, 16, 16, 64, 3, 3, padding=1)
    if not isinstance(base, ConvLayer):
        raise TypeError(f"measure_growth: base must be a ConvLayer, got {type(base).__name__}")
    if kind not in ("torch", "numpy"):
        raise ValueError(f"measure_growth: kind must be 'torch' or 'numpy', got {kind!r}")
    if repeat < 1 or warmup < 0:
        raise ValueError(
            f"measure_growth: need repeat >= 1 and warmup >= 0, got {repeat} and {warmup}"
        )
    p_h, p_w = base.padding
    cases = {
        "base": base,
        "c_i and c_o doubled": base.with_changes(c_i=2 * base.c_i, c_o=2 * base.c_o),
        "padding doubled": base.with_changes(padding=(2 * p_h, 2 * p_w)),
    }
    rng = np.random.default_rng(seed)
    calls = {}
    for name, layer in cases.items():
        X = rng.standard_normal((layer.c_i, layer.h, layer.w), dtype=np.float32)
        K = rng.standard_normal((layer.c_o, layer.c_i, layer.k_h, layer.k_w), dtype=np.float32)
        if kind == "torch":
            import torch

            X, K = torch.from_numpy(X), torch.from_numpy(K)
        calls[name] = (X, K, layer.padding, layer.stride)
    times: dict[str, list[float]] = {name: [] for name in cases}
    with _one_thread(kind):
        for run, name in itertools.product(range(warmup + repeat), cases):
            X, K, pad, st = calls[name]
            start = time.perf_counter()
            convutils.corr2d_multi_in_out(X, K, padding=pad, stride=st)
            elapsed = time.perf_counter() - start
            if run >= warmup:
                times[name].append(elapsed)
    base_time = statistics.median(times["base"])
    base_work = base.forward_cost().multiplications
    return [
        GrowthCase(
            name,
            layer,
            statistics.median(times[name]),
            statistics.median(times[name]) / base_time,
            layer.forward_cost().multiplications / base_work,
        )
        for name, layer in cases.items()
    ]


@contextlib.contextmanager
def _one_thread(kind: str) -> Iterator[None]:
    """Every BLAS and OpenMP thread pool of the process (numpy's OpenBLAS, which also serves
    CPU tensors, and torch's own) limited to one thread for the block, then restored."""
    with threadpool_limits(limits=1):
        if kind != "torch":
            yield
            return
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)
