"""Put the Colab install cell first in every chapter notebook (or refresh it).

Colab opens a notebook straight from GitHub with nothing of this repository installed, so the
first cell installs ``convutils`` from the repository when it is missing. Anywhere else
(the book build, Binder, a local JupyterLab) ``import google.colab`` fails and the cell does
nothing; the book hides it (tag ``remove-cell``). The URL comes from ``_config.yml``
(``repository.url`` and ``branch``), the one place it is set: after changing it to your fork,
run ``make colab-cells``. tests/test_launch_links.py checks the cells agree with it.

Usage: ``python tools/colab_install_cell.py [NOTEBOOK ...]`` (default: every notebook under
``chapters/``). Edits notebooks by load-modify-write, keeping every other cell as it is.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TAG = "colab-install"
TAGS = ["remove-cell", TAG]

SOURCE = """\
# In Colab only: install convutils (this book's library) from the book's repository.
try:
    import google.colab  # noqa: F401 (exists only in Colab)
except ImportError:
    pass
else:
    import importlib.util
    import subprocess
    import sys

    if importlib.util.find_spec("convutils") is None:
        package = "convutils @ git+{url}@{branch}"{noqa}
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)
    # The steppers are ipywidgets 8 widgets; Colab shows those through this manager.
    from google.colab import output

    output.enable_custom_widget_manager()"""


def install_source(config_path: Path = ROOT / "_config.yml") -> str:
    """The cell's source for the repository set in ``_config.yml``."""
    repo = yaml.safe_load(config_path.read_text())["repository"]
    url, branch = repo["url"].rstrip("/"), repo.get("branch", "main")
    # The notebooks are linted at 100 columns; a long fork URL cannot be wrapped.
    line = f'        package = "convutils @ git+{url}@{branch}"'
    noqa = "  # noqa: E501" if len(line) > 100 else ""
    return SOURCE.format(url=url, branch=branch, noqa=noqa)


def add_cell(path: Path, source: str) -> bool:
    """Make the tagged install cell the first cell of ``path``; True when the file changed."""
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    tagged = [c for c in nb.cells if TAG in c.get("metadata", {}).get("tags", [])]
    for extra in tagged:
        nb.cells.remove(extra)
    cell = tagged[0] if tagged else nbformat.v4.new_code_cell()
    cell.source = source
    cell.metadata["tags"] = TAGS
    cell.outputs = []
    cell.execution_count = None
    nb.cells.insert(0, cell)
    if nbformat.writes(nb) == before:
        return False
    nbformat.write(nb, path)
    return True


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "chapters").glob("*.ipynb"))
    source = install_source()
    for path in paths:
        print(f"{path}: {'updated' if add_cell(path, source) else 'already up to date'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
