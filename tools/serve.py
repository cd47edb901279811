"""Serve the built HTML book on this machine, gzipped like a real web host would serve it.

Usage (``make serve`` runs the first form)::

    .venv/bin/python tools/serve.py                      # _build/html on a free port
    .venv/bin/python tools/serve.py --port 8000 DIR      # another folder, a chosen port

Only the standard library: text files (HTML, CSS, JavaScript, JSON, SVG, ...) are sent
gzip-compressed to a client that accepts it, everything else as it is. Listens on 127.0.0.1
only and prints the address to open. ``benchmarks/bench_pages.py`` uses :func:`start` to
serve the book to Lighthouse.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Types a host compresses; images and fonts are compressed already.
COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
)


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files; text types gzipped (level 6, as common hosts do) when the client asks."""

    _cache: dict[tuple[str, float], bytes] = {}
    _lock = threading.Lock()
    quiet = False

    def send_head(self) -> object:  # type: ignore[override]
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the parent's redirect to the folder's "/" URL
            path = os.path.join(path, "index.html")
        ctype = self.guess_type(path)
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (os.path.isfile(path) and accepts and ctype.startswith(COMPRESSIBLE)):
            return super().send_head()
        key = (path, os.path.getmtime(path))
        with self._lock:
            body = self._cache.get(key)
            if body is None:
                body = gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)
                self._cache[key] = body
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        self._gzip_body = body
        return None

    def do_GET(self) -> None:
        self._gzip_body = None
        f = self.send_head()
        if self._gzip_body is not None:
            self.wfile.write(self._gzip_body)
        elif f:
            try:
                self.copyfile(f, self.wfile)
            finally:
                f.close()

    def do_HEAD(self) -> None:
        self._gzip_body = None
        f = self.send_head()
        if f:
            f.close()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if not self.quiet:
            super().log_message(format, *args)


def start(
    directory: Path, port: int = 0, quiet: bool = True
) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``directory`` from a background thread; returns the server and its base URL."""
    directory = Path(directory)
    if not (directory / "index.html").is_file():
        raise ValueError(f"{directory} has no index.html: build the book first (make book)")
    handler = functools.partial(
        type("Handler", (GzipHandler,), {"quiet": quiet}), directory=str(directory)
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default=str(ROOT / "_build" / "html"))
    parser.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    args = parser.parse_args(argv)
    try:
        server, url = start(Path(args.directory), args.port, quiet=False)
    except ValueError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"Serving {args.directory} at {url}  (Ctrl+C stops it)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
