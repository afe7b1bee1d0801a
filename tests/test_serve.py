"""`serve` is the editor's loop: it serves under a prefix and rebuilds when a YAML file changes."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request

from .conftest import PROJECT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def test_serve_rebuilds_after_an_edit(tmp_path):
    for name in ("guideline_data", "overrides", "docs", "mkdocs.yml"):
        source = PROJECT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    port = free_port()
    url = f"http://127.0.0.1:{port}/kb/guideline/3-5/"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "generator",
            "--project",
            str(tmp_path),
            "serve",
            "--port",
            str(port),
            "--prefix",
            "/kb/",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=PROJECT,
    )
    try:
        assert wait_for(lambda: "資源の確保" in fetch(url), 180)
        governance = tmp_path / "guideline_data" / "sections" / "03_governance.yaml"
        governance.write_text(governance.read_text(encoding="utf-8").replace("資源の確保", "資源の確保（編集中）"),
                              encoding="utf-8")  # fmt: skip
        assert wait_for(lambda: "資源の確保（編集中）" in fetch(url), 180)
    finally:
        server.terminate()
        server.wait(timeout=10)
