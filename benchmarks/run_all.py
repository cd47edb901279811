"""Run every benchmark script under ``benchmarks/``, print one table, save it as JSON.

Usage (``make bench`` runs the first form)::

    .venv/bin/python benchmarks/run_all.py                 # every bench_*.py
    .venv/bin/python benchmarks/run_all.py bench_correlation bench_player   # some of them
    .venv/bin/python benchmarks/run_all.py --markdown   # the saved table, for the README

Each script exposes ``run() -> list[dict]`` (rows made by ``_common.row``). Each runs in its
own Python process, so one script's threads, imports or crash cannot disturb the next. A
script that is missing, fails or times out becomes a ``FAILED`` row in the table instead of
stopping the run. The table and a description of the machine go to
``_build/benchmarks.json``; a run of every script also writes ``benchmarks/README.md``
(what each script measures, how to read it, and this run's table), so the published figures
are always those of the last full run.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUTPUT = ROOT / "_build" / "benchmarks.json"
# Scripts the performance issue asks for; listed so that a missing one shows in the table.
EXPECTED = [
    "bench_correlation.py",
    "bench_cost_growth.py",
    "bench_reader_waits.py",
    "bench_player.py",
    "bench_widget.py",
    "bench_env_size.py",
    "bench_pages.py",
]
README = HERE / "README.md"
# The fixed part of benchmarks/README.md; the last run's table is appended to it.
README_HEAD = """# Benchmarks

Written by `make bench` (`benchmarks/run_all.py`) at the end of every full run: do not edit
by hand, edit `README_HEAD` in `run_all.py`.

```bash
make bench                                                  # every script, then this file
.venv/bin/python benchmarks/run_all.py bench_correlation   # one or a few scripts (no file)
.venv/bin/python benchmarks/run_all.py --markdown          # the last run as a Markdown table
```

Each `bench_*.py` runs in its own process and returns rows (`_common.row`); a script that is
missing or fails becomes a `FAILED` row and the others still run. The table and a description
of the machine are saved to `_build/benchmarks.json`.

Every speed is a ratio to a baseline timed in the same run, because these machines are shared
and absolute times move from run to run; each figure is a median over repeated runs after a
warm-up. The reader's waits (build, notebooks, memory) are absolute: read them with the machine
line and the target.

| what | script | baseline | target |
| --- | --- | --- | --- |
| `corr2d_multi_in_out`, float32, vectorised path on numpy and torch input, at `(c_i, c_o, h, w, k)` = `(64, 64, 56, 56, 3)` and `(64, 128, 28, 28, 1)` | `bench_correlation.py` | `torch.nn.functional.conv2d`, same inputs and threads | at most 1.5x |
| the same at the chapter's example `(2, 3, 3, 3, 2)` (call overhead dominates) | `bench_correlation.py` | `conv2d` | at most 3x |
| each speed trick of the vectorised path switched off (`trick off: ...` rows) | `bench_correlation.py` | the same call with the trick | the trick stays only if it pays |
| the reference loops the chapter shows | `bench_correlation.py` | `conv2d` | none: they are for reading |
| time growth when `c_i` and `c_o` double, or the padding doubles | `bench_cost_growth.py` | the base layer | the formula's prediction |
| static player: one step in headless Chromium; bytes per player | `bench_player.py` | a click with no handler | under 16 ms; under 100 KB |
| live widget: one step's Python work | `bench_widget.py` | a no-op view update | under 30 ms |
| each chapter notebook executed headless (nbclient) | `bench_reader_waits.py` | an empty notebook | under 10 s each |
| peak memory of the kernels executing all chapter notebooks | `bench_reader_waits.py` | an empty notebook's kernel | under 1 GB |
| cold book build, execution forced, into a fresh folder | `bench_reader_waits.py` | none | under 60 s on 2 cores |
| installed size of the Binder environment | `bench_env_size.py` | the full `.venv` | smaller |
| every page, Lighthouse 12.2.3 phone and desktop, median of 3, served gzipped (per-page table under "Pages" below) | `bench_pages.py` | a bare one-paragraph page of the same theme, same run | phone: score >= the floor's (moonshot 90), TBT < 200 ms, CLS < 0.05; desktop >= 95; a11y, best practices, SEO 100 |

Rows tagged `[1 thread each]` were measured in a child process with `OMP_NUM_THREADS=1` and
`OPENBLAS_NUM_THREADS=1` for every contender, the baseline included; untagged rows use each
library's default threads. When other work shares the cores, a two-thread call waits whenever
its second thread cannot get a core, so the default-thread ratios swing with the load while the
one-thread rows stay put. When `OPENBLAS_CORETYPE` or `OPENBLAS_L2_SIZE` is set, the rows say
so and are measured again with both unset (`[OPENBLAS_* unset]`).

## Last run

"""
TIMEOUT_SECONDS = 1200
# bench_pages.py builds the book, then runs Lighthouse 48 times (8 pages, 2 form factors, 3 runs).
LONGER_TIMEOUTS = {"bench_pages.py": 3600}
PAGES_TABLE = ROOT / "_build" / "bench_pages.md"


def _scripts(names: list[str]) -> list[Path]:
    if names:
        return [HERE / (n if n.endswith(".py") else f"{n}.py") for n in names]
    found = {p.name for p in HERE.glob("bench_*.py")}
    return [HERE / n for n in sorted(found | set(EXPECTED))]


def _failed(script: Path, why: str) -> dict:
    sys.path.insert(0, str(HERE))
    from _common import row

    return row(script.stem, f"FAILED: {why}", math.nan, "")


def _run_script(script: Path) -> list[dict]:
    """The script's rows, from a child process; one FAILED row if it cannot give them."""
    if not script.exists():
        return [_failed(script, f"{script.name} does not exist (yet)")]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rows.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--one", str(script), str(out)]
        timeout = LONGER_TIMEOUTS.get(script.name, TIMEOUT_SECONDS)
        try:
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return [_failed(script, f"timed out after {timeout} s")]
        if proc.returncode != 0 or not out.exists():
            lines = (proc.stderr or proc.stdout).strip().splitlines() or ["no output"]
            return [_failed(script, f"exit {proc.returncode}: {lines[-1][:160]}")]
        rows = json.loads(out.read_text())
    keys = {"benchmark", "case", "value", "unit", "baseline", "ratio", "target"}
    bad = [r for r in rows if not isinstance(r, dict) or not keys <= set(r)]
    if not rows or bad:
        return [_failed(script, "run() must return a non-empty list of _common.row dicts")]
    return rows


def _run_one(script: Path, out: Path) -> None:
    """Child process: import ``script`` (with benchmarks/ on the path), write its rows."""
    import runpy

    sys.path.insert(0, str(HERE))
    rows = runpy.run_path(str(script), run_name=script.stem)["run"]()
    out.write_text(json.dumps(rows))


def _json_ready(rows: list[dict]) -> list[dict]:
    """NaN (a failed figure) is not valid JSON: store it as null."""
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
        for r in rows
    ]


def _markdown() -> str:
    """The last saved run as a Markdown table, with its machine line."""
    report = json.loads(OUTPUT.read_text())
    m = report["machine"]
    took = sum(report.get("script_seconds", {}).values())
    lines = [
        f"Run of {report['started']} ({took:.0f} s) on {m['cpu_model']}, {m['cores']} cores; numpy "
        f"{m['numpy']} (OpenBLAS {m['numpy_openblas_core']}), torch {m.get('torch')} "
        f"({m.get('torch_threads')} threads); load average {m.get('load_average')} at the end.",
        "",
        "| benchmark | case | value | unit | ratio | baseline | target |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in report["rows"]:
        value = "failed" if r["value"] is None else f"{r['value']:.4g}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        cells = [r["benchmark"], r["case"], value, r["unit"], ratio, r["baseline"], r["target"]]
        lines.append("| " + " | ".join(str(c or "").replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        _run_one(Path(argv[1]), Path(argv[2]))
        return 0
    if argv[:1] == ["--markdown"]:
        print(_markdown())
        return 0
    sys.path.insert(0, str(HERE))
    from _common import print_rows
    from _machine import describe

    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    began = time.time()
    rows: list[dict] = []
    seconds: dict[str, float] = {}
    for script in _scripts(argv):
        print(f"running {script.name} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        rows += _run_script(script)
        seconds[script.name] = round(time.perf_counter() - start, 1)
    machine = describe()
    print(
        f"\nMachine: {machine['cpu_model']}, {machine['cores']} cores; numpy "
        f"{machine['numpy']} (OpenBLAS {machine['numpy_openblas_core']}), torch "
        f"{machine.get('torch')} ({machine.get('torch_threads')} threads). Started {started}."
    )
    print_rows(rows)
    failed = [r for r in rows if r["case"].startswith("FAILED")]
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    report = {"started": started, "machine": machine, "script_seconds": seconds}
    report["rows"] = _json_ready(rows)
    OUTPUT.write_text(json.dumps(report, indent=1))
    print(f"\n{len(rows)} rows, {len(failed)} failed; saved to {OUTPUT.relative_to(ROOT)}")
    if not argv:  # a full run: publish it
        text = README_HEAD + _markdown() + "\n"
        # bench_pages.py's per-page table, when this run wrote it.
        if PAGES_TABLE.exists() and PAGES_TABLE.stat().st_mtime >= began:
            text += "\n## Pages (Lighthouse)\n\n" + PAGES_TABLE.read_text()
        README.write_text(text)
        print(f"wrote {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
