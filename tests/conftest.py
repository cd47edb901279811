"""Fixtures shared by the test files: the built book, a local web server, a real browser.

The book is built once per test session into a temporary folder, with the same command the
README gives (``jupyter-book build . -W -n --keep-going``). Set ``BOOK_HTML`` to the
``_build/html`` folder of an existing build to reuse it while developing.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def build_book(out_dir: Path) -> subprocess.CompletedProcess:
    """Run the real book build into ``out_dir``; returns the finished process."""
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(out_dir)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=900)


@pytest.fixture(scope="session")
def book_build(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The book built once per session: ``{"html": Path, "log": str, "returncode": int}``."""
    reuse = os.environ.get("BOOK_HTML")
    if reuse:
        return {"html": Path(reuse), "log": "", "returncode": 0}
    out = tmp_path_factory.mktemp("book")
    proc = build_book(out)
    return {
        "html": out / "_build" / "html",
        "log": proc.stdout + proc.stderr,
        "returncode": proc.returncode,
    }


@pytest.fixture(scope="session")
def book_html(book_build: dict) -> Path:
    """The ``_build/html`` folder of a build that succeeded."""
    assert book_build["returncode"] == 0, book_build["log"][-5000:]
    return book_build["html"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def book_server(book_html: Path):
    """The built book served on 127.0.0.1; yields its base URL (ending in ``/``)."""
    handler = functools.partial(_QuietHandler, directory=str(book_html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium for pytest-playwright; a missing browser fails the test, never skips."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory):
    """A real JupyterLab on 127.0.0.1 serving a *copy* of ``chapters/`` (so autosave never
    writes outputs into the repository). Yields ``{"url": base URL, "root": Path}``."""
    import shutil
    import time
    import urllib.request

    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    shutil.copytree(ROOT / "chapters", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        path = base / name.lower()
        path.mkdir()
        env[name] = str(path)
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--allow-root",
        f"--ServerApp.root_dir={root}",
    ]
    log = open(base / "lab.log", "w")  # noqa: SIM115 (closed at teardown)
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "api/status", timeout=2)
            break
        except OSError:
            assert proc.poll() is None, (base / "lab.log").read_text()
            assert time.monotonic() < deadline, "JupyterLab did not start in 60 s"
            time.sleep(0.5)
    yield {"url": url, "root": root}
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def wait_for_kernel_idle(base_url: str, notebook: str, timeout: float = 60) -> None:
    """Poll ``/api/sessions`` until ``notebook``'s kernel is idle with a connection."""
    import json
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(base_url + "api/sessions", timeout=5) as resp:
            sessions = json.load(resp)
        for s in sessions:
            kernel = s.get("kernel") or {}
            if s.get("path", "").endswith(notebook) and kernel.get("execution_state") == "idle":
                if kernel.get("connections", 0) >= 1:
                    return
        time.sleep(0.5)
    raise AssertionError(f"the kernel of {notebook} was not idle within {timeout} s")


# The markers of pyproject.toml, from the fixtures a test uses: a test file only has to mark
# what no fixture says (for example running notebooks, which needs no fixture).
_FIXTURE_MARKERS = {
    "book_build": ("book",),
    "book_html": ("book",),
    "book_server": ("book",),
    "page": ("browser",),
    "browser": ("browser",),
    "context": ("browser",),
    "lab_server": ("lab",),
    "binder_env": ("binder",),
    "book_pdf": ("pdf",),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            for name in _FIXTURE_MARKERS.get(fixture, ()):
                item.add_marker(name)
