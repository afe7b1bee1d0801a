"""The editor's loop: build, serve site/ on 127.0.0.1 under a URL prefix, rebuild when a source file changes."""

from __future__ import annotations

import functools
import http.server
import sys
import threading
import time
from pathlib import Path

from .build import Paths, build
from .errors import DataError

WATCHED = ("guideline_data", "generator", "overrides", "docs", "mkdocs.yml")


def snapshot(project: Path) -> dict[Path, float]:
    files = {}
    for name in WATCHED:
        root = project / name
        candidates = [root] if root.is_file() else root.rglob("*") if root.is_dir() else []
        for path in candidates:
            if path.is_file() and "__pycache__" not in path.parts:
                files[path] = path.stat().st_mtime
    return files


class PrefixHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under a prefix, as an intranet server would (e.g. /sec/guideline/)."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_prefix__")
        return super().translate_path("/" + path[len(self.prefix) :])

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


def serve(paths: Paths, port: int, prefix: str) -> None:
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    try_build(paths)
    handler = functools.partial(type("Handler", (PrefixHandler,), {"prefix": prefix}), directory=str(paths.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"Serving on http://127.0.0.1:{port}{prefix} — edit guideline_data/ and reload the page. Ctrl+C stops.")
    seen = snapshot(paths.project)
    try:
        while True:
            time.sleep(1)
            now = snapshot(paths.project)
            if now != seen:
                seen = now
                print("change seen, rebuilding…")
                try_build(paths)
    except KeyboardInterrupt:
        server.shutdown()


def try_build(paths: Paths) -> None:
    try:
        build(paths)
        print("built.")
    except DataError as error:
        print(error, file=sys.stderr)
        print("The site still shows the last good build.", file=sys.stderr)
