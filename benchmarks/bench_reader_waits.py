"""The reader's waits: a cold book build, each notebook run headless, and their peak memory.

- Cold book build: the README's build command (execution is forced in ``_config.yml``) into
  a fresh temporary folder, so nothing is cached. Target: under 60 s on a 2-core machine.
- Each chapter notebook executed headless with nbclient in a fresh ``python3`` kernel, as a
  student's "Run all" does. Target: under 10 s each. Baseline: an empty notebook (one
  ``pass`` cell) run the same way in the same run, which is the kernel's start-up and
  shut-down cost; the ratio says how much the chapter adds to that.
- Peak memory: a child process runs every chapter notebook in turn; the kernels are its
  children, so ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is the largest kernel's peak
  resident memory. Target: under 1 GB. Baseline: the same figure for the empty notebook.

These are absolute times and sizes: they depend on the machine (the table's header names it)
and on what else runs on it. Run on its own: ``.venv/bin/python benchmarks/bench_reader_waits.py``.
"""

from __future__ import annotations

import json
import math
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from _common import median_seconds, print_rows, row
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
BUILD_RUNS = 2  # a cold build takes tens of seconds: the median of two
NOTEBOOK_RUNS = 3
BENCHMARK = "reader waits"


def _notebooks() -> list[Path]:
    return sorted(CHAPTERS.glob("*.ipynb"))


def _empty_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def _execute(nb: nbformat.NotebookNode) -> None:
    """Run every cell in a fresh python3 kernel, in chapters/ as the book build does."""
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(CHAPTERS)}},
    )
    client.execute()


def _notebook_rows() -> list[dict]:
    empty = _empty_notebook()
    base = median_seconds(lambda: _execute(empty), repeat=NOTEBOOK_RUNS, warmup=1)
    rows = [
        row(BENCHMARK, "empty notebook executed (nbclient; kernel start + stop)", base, "s"),
    ]
    for path in _notebooks():
        nb = nbformat.read(path, as_version=4)
        try:
            seconds = median_seconds(lambda nb=nb: _execute(nb), repeat=NOTEBOOK_RUNS, warmup=0)
        except Exception as exc:  # one broken notebook must not hide the other figures
            rows.append(_failed(f"{path.relative_to(ROOT)} executed headless", exc, "s"))
            continue
        rows.append(
            row(
                BENCHMARK,
                f"{path.relative_to(ROOT)} executed headless (nbclient)",
                seconds,
                "s",
                "empty notebook",
                seconds / base,
                "< 10 s",
            )
        )
    return rows


def _build_seconds() -> float:
    jb = Path(sys.executable).with_name("jupyter-book")
    with tempfile.TemporaryDirectory(prefix="bench-book-") as out:
        cmd = [str(jb), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", out]
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
        seconds = time.perf_counter() - start
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
        raise RuntimeError(f"book build failed: {' | '.join(tail)}")
    return seconds


def _build_row() -> dict:
    case = f"cold book build, execution forced (fresh output folder, median of {BUILD_RUNS})"
    try:
        seconds = statistics.median(_build_seconds() for _ in range(BUILD_RUNS))
    except Exception as exc:
        return _failed(case, exc, "s")
    return row(BENCHMARK, case, seconds, "s", target="< 60 s")


def _failed(case: str, exc: Exception, unit: str) -> dict:
    """A row that reports a failure in the table instead of stopping the benchmark."""
    # A cell error's message is a coloured traceback: keep its last line, without colours.
    lines = [ln.strip() for ln in re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).splitlines()]
    message = next((ln for ln in reversed(lines) if ln), "")[:160]
    return row(BENCHMARK, f"{case} FAILED: {type(exc).__name__}: {message}", math.nan, unit)


def _peak_rss_mb(which: str) -> float:
    """Peak RSS of the largest kernel when a child process runs ``which`` notebooks."""
    cmd = [sys.executable, __file__, "--peak-rss", which]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr else "no output")
    return json.loads(proc.stdout.strip().splitlines()[-1])["kernel_peak_mb"]


def _memory_rows() -> list[dict]:
    case = f"peak RSS of the kernels executing all {len(_notebooks())} chapter notebooks"
    try:
        base = _peak_rss_mb("empty")
        peak = _peak_rss_mb("chapters")
    except Exception as exc:
        return [_failed(case, exc, "MB")]
    return [
        row(BENCHMARK, "peak RSS of a kernel running the empty notebook", base, "MB"),
        row(
            BENCHMARK,
            case,
            peak,
            "MB",
            "empty notebook",
            peak / base,
            "< 1000 MB",
        ),
    ]


def run() -> list[dict]:
    """Rows for the notebooks, their memory and the cold build (see the module docstring)."""
    return _notebook_rows() + _memory_rows() + [_build_row()]


def _report_peak_rss(which: str) -> None:
    """Child process: run the notebooks one after another, print the kernels' peak RSS."""
    if which == "empty":
        _execute(_empty_notebook())
    else:
        for path in _notebooks():
            _execute(nbformat.read(path, as_version=4))
    # Linux reports ru_maxrss in kilobytes; the kernels have exited and been waited for.
    kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"kernel_peak_mb": kb / 1024}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peak-rss"]:
        _report_peak_rss(sys.argv[2])
    else:
        print_rows(run())
