"""`corr2d_multi_in_out` on float32 against `torch.nn.functional.conv2d`, at four sizes.

For each ``(c_i, c_o, h, w, k)`` it times, in the same run: ``conv2d`` (the baseline), the
vectorised path on numpy input, on torch input (a CPU tensor that needs no gradient, which
the library computes with numpy on the same memory), on a torch tensor that needs a gradient
(which stays in torch), and the readable reference loops. Every ratio is ours over
``conv2d``'s median from the same run and the same thread settings.

How the timing is fair on a shared, noisy machine:
- Rounds: each round times a block of calls of every contender in turn (median of the block
  after one warm-up call); the figure is the median over rounds, so a busy moment hits all.
- A short pause separates blocks: numpy's OpenBLAS and torch's OpenMP threads spin for a
  while after a call, and would otherwise steal a core from the next contender.
- Threads: the libraries' defaults for every contender, baseline included. The same set is
  then run again with one thread for every contender (``OMP_NUM_THREADS`` and
  ``OPENBLAS_NUM_THREADS`` set to 1 for that child process alone): a thread that waits for
  a busy core stalls a two-thread call, so one thread each is the steadier comparison when
  other work shares the machine.
- The reference loops take about a minute at the large sizes; there they are timed on one
  output channel and multiplied by ``c_o`` (the loops are exactly linear in ``c_o``: one
  multi-input correlation per output channel), which the row says.

If ``OPENBLAS_CORETYPE`` or ``OPENBLAS_L2_SIZE`` is set (older OpenBLAS builds misbehave on
some processors, so some machines set them), every row says so, and the timed rows are
measured again in a child process with both unset; every numpy row names the OpenBLAS
kernel that ran.

Speed tricks: every shortcut of the vectorised path (`convutils.correlation`, `im2col`,
`_backend`) has a ``trick off: ...`` row, timing the same public call with that one trick
replaced by the plain code, at the size where the trick's comment says it matters. The
ratio is off over on: above 1 the trick pays. A trick's comment in the library names its row.

Run on its own: ``.venv/bin/python benchmarks/bench_correlation.py``; only the tricks:
``.venv/bin/python benchmarks/bench_correlation.py --tricks``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from _common import median_seconds, print_rows, row
from _machine import OPENBLAS_VARS, openblas_core

import convutils as cu

# (c_i, c_o, h, w, k): the chapter's example, a mid size, and two layers of a real network.
SIZES = [(2, 3, 3, 3, 2), (16, 32, 32, 32, 3), (64, 64, 56, 56, 3), (64, 128, 28, 28, 1)]
TARGETS = {SIZES[0]: "<= 3x conv2d", SIZES[2]: "<= 1.5x conv2d", SIZES[3]: "<= 1.5x conv2d"}
ROUNDS = 7
BLOCK_SECONDS = 0.05  # each block runs about this long
PAUSE_SECONDS = 0.1  # lets the previous contender's spinning threads go to sleep
LOOPS_FULL_UP_TO = 10_000  # output elements; above this the loops run on one channel
BENCHMARK = "corr2d_multi_in_out float32"
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _inputs(size: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    c_i, c_o, h, w, k = size
    rng = np.random.default_rng(0)
    X = rng.standard_normal((c_i, h, w), dtype=np.float32)
    K = rng.standard_normal((c_o, c_i, k, k), dtype=np.float32)
    return X, K


def _calls_per_block(fn: Callable[[], object]) -> int:
    fn()
    once = []
    for _ in range(3):
        start = time.perf_counter()
        fn()
        once.append(time.perf_counter() - start)
    return max(3, min(500, int(BLOCK_SECONDS / max(min(once), 1e-7))))


def _rounds(contenders: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Median over ``ROUNDS`` rounds of each contender's block median, in seconds."""
    calls = {name: _calls_per_block(fn) for name, fn in contenders.items()}
    medians: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(ROUNDS):
        for name, fn in contenders.items():
            time.sleep(PAUSE_SECONDS)
            medians[name].append(median_seconds(fn, repeat=calls[name], warmup=1))
    return {name: float(np.median(m)) for name, m in medians.items()}


def _check_agrees(size: tuple[int, ...], got: object, want: torch.Tensor) -> None:
    got_np = got.numpy() if isinstance(got, torch.Tensor) else np.asarray(got)
    if got_np.dtype != np.float32 or not np.allclose(got_np, want.numpy(), rtol=1e-3, atol=1e-3):
        raise AssertionError(f"{size}: the vectorised path disagrees with conv2d")


def _contenders(size: tuple[int, ...]) -> dict[str, Callable[[], object]]:
    X, K = _inputs(size)
    Xt, Kt = torch.from_numpy(X), torch.from_numpy(K)
    contenders: dict[str, Callable[[], object]] = {
        "conv2d": lambda: F.conv2d(Xt[None], Kt)[0],
        "numpy": lambda: cu.corr2d_multi_in_out(X, K),
        "torch": lambda: cu.corr2d_multi_in_out(Xt, Kt),
    }
    # A tensor that needs a gradient stays in torch (as_strided view, torch's matmul).
    Xg = Xt.clone().requires_grad_()
    contenders["torch grad"] = lambda: cu.corr2d_multi_in_out(Xg, Kt).detach()
    want = contenders["conv2d"]()
    for name, fn in contenders.items():
        if name != "conv2d":
            _check_agrees(size, fn(), want)
    return contenders


def _size_rows(size: tuple[int, ...], tag: str, loops: bool) -> list[dict]:
    """The contenders' rows at ``size`` (cases end with ``tag``), and the loops' if asked."""
    times = _rounds(_contenders(size))
    base = times["conv2d"]
    target = TARGETS.get(size)
    cases = {
        "numpy": f"vectorised, numpy input (OpenBLAS {openblas_core()})",
        "torch": "vectorised, torch input (no grad: numpy on the same memory)",
        "torch grad": "vectorised, torch input requiring grad (torch matmul)",
    }
    rows = [
        row(BENCHMARK, f"{size} conv2d (baseline){tag}", base * 1e3, "ms"),
    ]
    for name, case in cases.items():
        rows.append(
            row(
                BENCHMARK,
                f"{size} {case}{tag}",
                times[name] * 1e3,
                "ms",
                "conv2d",
                times[name] / base,
                None if name == "torch grad" else target,
            )
        )
    if loops:
        X, K = _inputs(size)
        rows.append(_loops_row(size, X, K, base))
    return rows


def _loops_row(size: tuple[int, ...], X: np.ndarray, K: np.ndarray, base: float) -> dict:
    c_i, c_o, h, w, k = size
    outputs = c_o * (h - k + 1) * (w - k + 1)
    case = f"{size} reference loops, numpy input"
    if outputs <= LOOPS_FULL_UP_TO:
        seconds = median_seconds(lambda: cu.corr2d_multi_in_out(X, K, method="loops"))
    else:
        one = K[:1]
        seconds = c_o * median_seconds(
            lambda: cu.corr2d_multi_in_out(X, one, method="loops"), repeat=3, warmup=1
        )
        case += f" (timed on 1 of {c_o} output channels, x {c_o})"
    return row(BENCHMARK, case, seconds * 1e3, "ms", "conv2d", seconds / base)


def _plain_prepare(fn, X, K, x_dims, k_dims, padding, stride):
    from convutils.checks import as_pair, check_arrays, check_channels, output_hw

    check_arrays(fn, X, K, x_dims, k_dims)
    if x_dims.startswith("(c_i"):
        check_channels(fn, X, K)
    pad = as_pair(fn, "padding", padding, minimum=0)
    st = as_pair(fn, "stride", stride, minimum=1)
    output_hw(fn, tuple(X.shape), tuple(K.shape), pad, st)
    return pad, st


def _plain_windows(X, k_h, k_w, s_h, s_w):
    c, h, w = X.shape
    shape = (c, k_h, k_w, (h - k_h) // s_h + 1, (w - k_w) // s_w + 1)
    if isinstance(X, torch.Tensor):
        st_c, st_h, st_w = X.stride()
        return X.as_strided(shape, (st_c, st_h, st_w, st_h * s_h, st_w * s_w))
    st_c, st_h, st_w = X.strides
    strides = (st_c, st_h, st_w, st_h * s_h, st_w * s_w)
    return np.lib.stride_tricks.as_strided(X, shape, strides, writeable=False)


def _plain_pad(X, p_h, p_w):
    if isinstance(X, torch.Tensor) or (p_h == 0 and p_w == 0):
        return _backend_pad(X, p_h, p_w)
    return np.pad(X, [(0, 0)] * (X.ndim - 2) + [(p_h, p_h), (p_w, p_w)])


def _plain_result_dtype(X, K):
    if isinstance(X, torch.Tensor):
        return torch.promote_types(X.dtype, K.dtype)
    return np.result_type(X, K)


def _plain_one_by_one(X, K):
    import importlib

    # `convutils.im2col` the attribute is the function; the module is in sys.modules.
    im2col = importlib.import_module("convutils.im2col")
    return im2col.corr2d_multi_in_out_im2col(X, K, (0, 0), (1, 1))


from convutils._backend import pad_hw as _backend_pad  # noqa: E402

# name -> (module, attribute, plain replacement, sizes, input kind, padding)
TRICKS = {
    "int padding/stride read without as_pair (correlation._prepare)": (
        "convutils.correlation",
        "_prepare",
        _plain_prepare,
        [SIZES[0]],
        "numpy",
        0,
    ),
    "1x1 shortcut without the window view (correlation._dispatch)": (
        "convutils.correlation",
        "_one_by_one",
        _plain_one_by_one,
        [(2, 3, 3, 3, 1), SIZES[3]],
        "numpy",
        0,
    ),
    "CPU tensors computed by numpy (correlation._via_numpy_if_free)": (
        "convutils.correlation",
        "numpy_shares_memory",
        lambda *t: False,
        [SIZES[0], SIZES[2]],
        "torch",
        0,
    ),
    "promote_types instead of result_type (_backend.result_dtype)": (
        "convutils.im2col",
        "result_dtype",
        _plain_result_dtype,
        [SIZES[0]],
        "numpy",
        0,
    ),
    "zeros and assign instead of numpy.pad (_backend.pad_hw)": (
        "convutils.im2col",
        "pad_hw",
        _plain_pad,
        [SIZES[0], SIZES[2]],
        "numpy",
        1,
    ),
    "window view made with numpy.ndarray (_backend.windows)": (
        "convutils.im2col",
        "windows",
        _plain_windows,
        [SIZES[0]],
        "numpy",
        0,
    ),
}


def _with(module, attr, value, X, K, padding):
    """A call of the public function with ``module.attr`` set to ``value`` for its duration."""
    real = getattr(module, attr)

    def call():
        setattr(module, attr, value)
        try:
            return cu.corr2d_multi_in_out(X, K, padding=padding)
        finally:
            setattr(module, attr, real)

    return call


def _trick_rows(tag: str = "") -> list[dict]:
    """For each trick: the public call with it (baseline) and without it, same rounds."""
    import importlib

    rows = []
    for name, (module_name, attr, plain, sizes, kind, padding) in TRICKS.items():
        module = importlib.import_module(module_name)
        real = getattr(module, attr)
        for size in sizes:
            X, K = _inputs(size)
            if kind == "torch":
                X, K = torch.from_numpy(X), torch.from_numpy(K)

            # Both contenders set the attribute, so both pay the same few nanoseconds.
            call = _with(module, attr, real, X, K, padding)
            with_plain = _with(module, attr, plain, X, K, padding)
            ours = call()
            theirs = with_plain()
            assert np.allclose(np.asarray(ours), np.asarray(theirs), atol=1e-4), name
            times = _rounds({"on": call, "off": with_plain})
            pad = f", padding {padding}" if padding else ""
            rows.append(
                row(
                    BENCHMARK,
                    f"{size} {kind}{pad} trick off: {name}{tag}",
                    times["off"] * 1e3,
                    "ms",
                    "the same call with the trick",
                    times["off"] / times["on"],
                    "> 1 (else remove the trick)",
                )
            )
    return rows


def _child_rows(env: dict[str, str], tag: str) -> list[dict]:
    """The timed rows again in a child process with ``env``; cases end with ``tag``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rows.json"
        cmd = [sys.executable, __file__, "--child", tag, str(out)]
        subprocess.run(cmd, env=env, check=True, timeout=900)
        return json.loads(out.read_text())


def run() -> list[dict]:
    """Rows for every size (see the module docstring)."""
    set_vars = " ".join(f"{v}={os.environ[v]}" for v in OPENBLAS_VARS if v in os.environ)
    as_set = f" [as set: {set_vars}]" if set_vars else ""
    rows = [r for size in SIZES for r in _size_rows(size, as_set, loops=True)]
    rows += _trick_rows(as_set)
    rows += _child_rows({**os.environ, **ONE_THREAD}, f" [1 thread each]{as_set}")
    if set_vars:
        # Everything above ran with these variables as set; now without them.
        unset = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
        rows += _child_rows(unset, " [OPENBLAS_* unset]")
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        tag, out = sys.argv[2], Path(sys.argv[3])
        out.write_text(json.dumps([r for size in SIZES for r in _size_rows(size, tag, False)]))
    elif sys.argv[1:2] == ["--tricks"]:
        print_rows(_trick_rows())
    else:
        print_rows(run())
