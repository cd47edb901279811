"""The Makefile's system check (`deps-book`, `deps-test`, `deps-pdf`, `deps-bench`): with a
required tool hidden from the PATH, it either names the apt command it would run (root or
sudo; `SYSTEM_DEPS_DRY_RUN=1`, so apt never runs here) or, for a user who cannot install,
stops with one line naming the packages and the command to run.

The PATH is a folder of links to every program on the real PATH except the hidden ones, so
everything else (sh, make, id, dpkg, apt-get) is the real thing. A user who cannot install is
played by really dropping to ``nobody`` with ``setpriv`` when the tests run as root.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make") or "/usr/bin/make"
TARGETS = ["book", "test", "pdf", "bench"]


@functools.cache
def _variable(name: str) -> tuple[str, ...]:
    """A Makefile variable's words, as make itself expands them."""
    out = subprocess.run(
        [MAKE, "-s", "-C", str(ROOT), "--eval=print-%: ; @echo $($*)", f"print-{name}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return tuple(out.stdout.split())


def _entries(target: str) -> list[tuple[str | None, str]]:
    """``(command or None, package)`` for every entry of ``<TARGET>_DEPS``."""
    pairs = []
    for entry in _variable(f"{target.upper()}_DEPS"):
        command, _, package = entry.rpartition(":")
        pairs.append((command or None, package))
    return pairs


@functools.cache
def _dpkg_missing(package: str) -> bool:
    if not shutil.which("dpkg"):
        return False  # the check cannot see packages without dpkg, so it skips them
    return subprocess.run(["dpkg", "-s", package], capture_output=True).returncode != 0


@pytest.fixture(scope="module")
def path_without():
    """``path_without(*commands)``: a PATH folder holding every program but ``commands``.

    One folder of links per module; each call takes the hidden links out and puts the ones
    hidden before back (making thousands of links per case would dominate the run)."""
    folder = Path(tempfile.mkdtemp(prefix="house-path-"))
    folder.chmod(0o755)  # readable by `nobody` too
    targets = {}
    for directory in os.environ["PATH"].split(os.pathsep):
        if os.path.isdir(directory):
            for program in os.listdir(directory):
                targets.setdefault(program, os.path.join(directory, program))
    for program, target in targets.items():
        (folder / program).symlink_to(target)

    def make_path(*hidden: str) -> str:
        for program, target in targets.items():
            link = folder / program
            if program in hidden:
                link.unlink(missing_ok=True)
            elif not link.is_symlink():
                link.symlink_to(target)
        for name in hidden:
            assert shutil.which(name, path=str(folder)) is None
        return str(folder)

    yield make_path
    shutil.rmtree(folder)


def _expected_missing(target: str, path: str) -> list[str]:
    """The packages the check must report with ``path`` as the PATH (what this machine lacks
    plus what the test hid), in the Makefile's order."""
    return [
        package
        for command, package in _entries(target)
        if (shutil.which(command, path=path) is None if command else _dpkg_missing(package))
    ]


def _run_check(target: str, path: str, *, as_nobody: bool) -> subprocess.CompletedProcess:
    env = {"PATH": path, "HOME": "/tmp", "LC_ALL": "C"}
    cmd = [MAKE, "-s", "-C", str(ROOT), f"deps-{target}", "SYSTEM_DEPS_DRY_RUN=1"]
    if as_nobody and os.getuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to run the check as a plain user"
        cmd = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)


def test_every_target_lists_what_it_needs():
    commands = {t: {c for c, _ in _entries(t)} for t in TARGETS}
    assert "npm" in commands["book"]
    assert {"npm", "chromium", "xelatex", "latexmk", "pdftotext"} <= commands["test"]
    assert {"xelatex", "latexmk"} <= commands["pdf"]
    assert {"npm", "chromium"} <= commands["bench"]
    assert _variable("CHECK_DEPS") == ()  # the fast loop needs only Python


def _each_tool_once() -> list[tuple[str, str]]:
    """``(target, command)``: every command of every target's list once, each target at least
    once (`test` needs them all, so the others come first)."""
    pairs, seen = [], set()
    for target in ["book", "bench", "pdf", "test"]:
        for command, _ in _entries(target):
            if command and command not in seen:
                seen.add(command)
                pairs.append((target, command))
    return pairs


@pytest.mark.parametrize("target", TARGETS)
def test_hidden_tools_are_installed_with_apt_as_root(target, path_without):
    if os.getuid() != 0:
        pytest.fail("run as root to see the install path (the plain-user path is tested too)")
    commands = [command for command, _ in _entries(target) if command]
    path = path_without(*commands)
    proc = _run_check(target, path, as_nobody=False)
    missing = _expected_missing(target, path)
    assert {p for c, p in _entries(target) if c} <= set(missing)
    assert proc.returncode != 0, f"hiding {commands} did not stop the dry run"
    want = (
        f"make {target} would run: apt-get update -qq && apt-get install -y -qq "
        f"--no-install-recommends {' '.join(missing)}"
    )
    assert proc.stdout.strip() == want, proc.stdout + proc.stderr


@pytest.mark.parametrize(("target", "command"), _each_tool_once())
def test_hidden_tool_stops_a_plain_user_with_one_line(target, command, path_without):
    package = dict((c, p) for c, p in _entries(target) if c)[command]
    path = path_without(command, "sudo")
    proc = _run_check(target, path, as_nobody=True)
    missing = " ".join(_expected_missing(target, path))
    assert proc.returncode != 0
    ours = [line for line in proc.stderr.splitlines() if not line.startswith("make: ***")]
    assert ours == [
        f"make {target} needs the Debian packages: {missing}; run: sudo apt-get install "
        f"-y {missing} (or your system's equivalent), then make {target} again"
    ], proc.stderr
    assert package in missing.split()
    assert "apt-get update" not in proc.stdout  # nothing was attempted


def test_nothing_missing_passes_silently(path_without):
    """With every listed tool present the check prints nothing and succeeds. The list is
    given on make's command line (it overrides the Makefile's), so the case holds on any
    machine: sh and make are there, or this test could not run."""
    path = path_without()
    env = {"PATH": path, "HOME": "/tmp", "LC_ALL": "C"}
    cmd = [MAKE, "-s", "-C", str(ROOT), "deps-book", "BOOK_DEPS=sh:dash make:make"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
