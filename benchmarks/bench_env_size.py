"""Installed size of the Binder environment beside the full one.

``binder/requirements.txt`` holds only what running the notebooks needs; the full ``.venv``
(``requirements.txt`` and ``requirements-dev.txt``) adds the book's build and the test tools.
Installing a second environment takes minutes, so the Binder size is read from this ``.venv``:
the distributions that ``binder/requirements.txt`` (plus ``ipykernel``, which repo2docker always
adds) pulls in, followed through their declared dependencies, with the sizes of the files
each one installed (its ``RECORD``). torch is the same CPU wheel in both. The full figure is
every distribution in ``.venv``. ``tests/test_binder_env.py`` proves the Binder set runs every
notebook.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import sys
from pathlib import Path

from _common import print_rows, row

ROOT = Path(__file__).resolve().parents[1]
BENCHMARK = "environment size"


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed() -> dict[str, md.Distribution]:
    return {_key(d.metadata["Name"]): d for d in md.distributions()}


def _size_mb(dist: md.Distribution) -> float:
    total = 0
    for f in dist.files or []:
        path = Path(dist.locate_file(f))
        if path.is_file():
            total += path.stat().st_size
    return total / 1e6


def _requirement_names(path: Path) -> list[str]:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line == "-e .":
            names.append("convutils")
        elif line and not line.startswith("-"):
            names.append(re.split(r"[<>=!~\[ ;]", line, maxsplit=1)[0])
    return names


def _closure(names: list[str], installed: dict[str, md.Distribution]) -> set[str]:
    """Every distribution ``names`` needs, following ``Requires-Dist`` without extras."""
    seen: set[str] = set()
    todo = [_key(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen or name not in installed:
            continue
        seen.add(name)
        for req in installed[name].requires or []:
            spec, _, marker = req.partition(";")
            if "extra" in marker:
                continue
            if marker.strip() and not _marker_holds(marker):
                continue
            todo.append(_key(re.split(r"[<>=!~\[ (]", spec.strip(), maxsplit=1)[0]))
    return seen


def _marker_holds(marker: str) -> bool:
    try:
        from packaging.markers import Marker

        return Marker(marker.strip()).evaluate()
    except Exception:  # an unreadable marker: count the dependency
        return True


def run() -> list[dict]:
    installed = _installed()
    binder = _closure(
        _requirement_names(ROOT / "binder" / "requirements.txt") + ["ipykernel"], installed
    )
    missing = [
        n
        for n in _requirement_names(ROOT / "binder" / "requirements.txt")
        if _key(n) not in installed
    ]
    full_mb = sum(_size_mb(d) for d in installed.values())
    binder_mb = sum(_size_mb(installed[n]) for n in binder)
    torch_mb = _size_mb(installed["torch"]) if "torch" in installed else 0.0
    note = f"; not in .venv, so not counted: {', '.join(missing)}" if missing else ""
    return [
        row(BENCHMARK, f"full .venv: {len(installed)} distributions", full_mb, "MB"),
        row(
            BENCHMARK,
            f"Binder (binder/requirements.txt + ipykernel): {len(binder)} distributions{note}",
            binder_mb,
            "MB",
            baseline="full .venv",
            ratio=binder_mb / full_mb,
        ),
        row(BENCHMARK, "of which torch (CPU wheel), in both", torch_mb, "MB"),
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    print_rows(run())
