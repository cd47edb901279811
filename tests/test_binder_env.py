"""Binder, checked as far as this machine can: repo2docker needs Docker and mybinder needs the
internet, so the test builds what repo2docker would build from ``binder/`` (a fresh virtual
environment, ``pip install -r binder/requirements.txt`` run from the repository root) and
executes every chapter notebook in it with a real kernel.

The one change from mybinder: PyTorch's CPU index is out of reach here, so the temp copy of
the requirements drops ``--extra-index-url``; pip then finds the same ``torch==2.13.0+cpu``
wheel on this machine's disk. Nothing else is added but ``ipykernel`` (repo2docker always
installs a kernel), and the environment does not see this project's ``.venv`` or the system's
site-packages, so a package missing from ``binder/requirements.txt`` fails here.

Slow (a few minutes, mostly unpacking torch); pip's cache makes later runs quicker.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from book_pages import ROOT, chapter_notebooks
from nbclient import NotebookClient

pytestmark = [pytest.mark.binder]

BINDER = ROOT / "binder"


def _requirement_lines(path: Path) -> list[str]:
    lines = [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower()


# What running the notebooks needs, and nothing of the book's build (jupyter-book, Sphinx).
RUNTIME = {"numpy", "matplotlib", "ipywidgets", "anywidget", "torch"}


def test_binder_installs_only_what_the_notebooks_need_with_the_project_pins():
    root_reqs = {_name(r): r for r in _requirement_lines(ROOT / "requirements.txt")}
    binder_lines = _requirement_lines(BINDER / "requirements.txt")
    options = [line for line in binder_lines if line.startswith("-")]
    binder_reqs = {_name(r): r for r in binder_lines if not r.startswith("-")}
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in options
    assert "-e ." in options, "repo2docker does not install the project without `-e .`"
    assert set(binder_reqs) == RUNTIME, sorted(binder_reqs)
    assert root_reqs["torch"] == "torch==2.13.0"
    # The CPU index names its wheels 2.13.0+cpu; the exact tag rules out PyPI's CUDA build.
    assert binder_reqs.pop("torch") == "torch==2.13.0+cpu"
    for name, requirement in binder_reqs.items():
        if name in root_reqs:  # the same pin as the book's own environment
            assert requirement == root_reqs[name]
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"


def _copy_repository(dest: Path) -> None:
    """What repo2docker copies into the image and needs: the project, its notebooks, binder/."""
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.egg-info")
    for name in ("convutils", "chapters", "binder"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    for name in ("pyproject.toml", "requirements.txt", "README.md"):
        shutil.copy2(ROOT / name, dest / name)


def _local_requirements(binder_reqs: Path, out: Path) -> None:
    """binder/requirements.txt without PyTorch's index (unreachable here)."""
    kept = [
        line
        for line in binder_reqs.read_text().splitlines()
        if not line.strip().startswith("--extra-index-url")
    ]
    out.write_text("\n".join(kept) + "\n")


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("binder")
    repo = base / "repo"
    repo.mkdir()
    _copy_repository(repo)
    reqs = base / "requirements-local.txt"
    _local_requirements(repo / "binder" / "requirements.txt", reqs)
    venv = base / "venv"
    # A venv of the base interpreter: neither this .venv nor the system's site-packages.
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    start = time.monotonic()
    proc = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-compile", "-q", "-r", str(reqs), "ipykernel"],
        cwd=repo,  # repo2docker runs pip from the repository root, where `-e .` points
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-5000:]
    print(f"binder environment installed in {time.monotonic() - start:.0f} s")
    kernels = base / "jupyter" / "kernels" / "binder-env"
    kernels.mkdir(parents=True)
    spec = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "binder environment",
        "language": "python",
    }
    (kernels / "kernel.json").write_text(json.dumps(spec))
    return {"repo": repo, "python": python, "jupyter_path": base / "jupyter"}


def _binder_process_env() -> dict[str, str]:
    """This process's environment without PYTHONPATH: a developer's PYTHONPATH (pointing at
    a checkout) would otherwise put that checkout's convutils ahead of the Binder env's."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_binder_env_has_cpu_torch_and_this_convutils(binder_env):
    code = "import torch, convutils; print(torch.__version__); print(convutils.__file__)"
    out = subprocess.run(
        [str(binder_env["python"]), "-c", code],
        cwd=binder_env["repo"] / "chapters",  # where the notebooks run; no convutils/ here
        env=_binder_process_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out[0] == "2.13.0+cpu"
    # `-e .` installed the copy that repo2docker would hold, not this checkout's package.
    assert Path(out[1]).is_relative_to(binder_env["repo"]), out[1]


@pytest.mark.parametrize("notebook", chapter_notebooks(), ids=lambda p: p.stem)
def test_binder_env_runs_the_notebook(binder_env, notebook, monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", str(binder_env["jupyter_path"]))
    monkeypatch.delenv("PYTHONPATH", raising=False)  # the kernel sees only the Binder env
    path = binder_env["repo"] / notebook
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="binder-env",
        timeout=300,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]
    assert not errors, errors
    executed = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert executed and all(c.execution_count for c in executed)
