"""The generator as a user installs it: a wheel built from the sources, installed into a fresh virtual environment
(its dependencies from the package registry, as `pip install` gets them), then its commands run in a folder far
from this checkout: `new`, `check`, `build` and `serve` of examples/rail-demo, and the `aviation-kb` alias."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

import pytest

from .conftest import PROJECT
from .helpers import copy_project

# What a wheel is built from: the package and its build configuration (README.md is the package's description).
PACKAGE_SOURCES = ("generator", "pyproject.toml", "setup.cfg", "README.md")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a fresh virtual environment with the wheel installed."""
    work = tmp_path_factory.mktemp("install")
    sources = copy_project(work / "sources", PACKAGE_SOURCES)
    wheels = work / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    built = subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(sources)], capture_output=True,
                           text=True)  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = wheels.glob("guideline_kb-*.whl")
    environment = work / "venv"
    venv.create(environment)  # pip installs into it from outside (--python): no copy of pip of its own to set up
    bin_dir = environment / "bin"
    # (--no-compile: Python compiles what a command imports when it first runs it, not every module of every package)
    done = subprocess.run([*pip, "--python", str(bin_dir / "python"), "install", "--quiet", "--no-compile",
                           str(wheel)], capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return bin_dir


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """A command as a user types it in `cwd`: no PYTHONPATH, nothing of this checkout importable."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


def test_the_wheel_holds_the_defaults_and_the_starter_not_this_guideline(installed):
    package = next((installed.parent / "lib").glob("python*/site-packages/generator"))
    assert (package / "defaults" / "mkdocs.yml").is_file()
    assert (package / "defaults" / "overrides" / "main.html").is_file()
    assert (package / "defaults" / "docs" / "assets" / "kb.css").is_file()
    assert (package / "starter" / "guideline_data" / "kb.yaml").is_file()
    assert not list(package.rglob("guideline_data/sections/05_controls.yaml"))  # this guideline is no default


def test_a_wheel_builds_rail_demo_outside_the_checkout(installed, tmp_path):
    project = tmp_path / "rail-demo"
    shutil.copytree(PROJECT / "examples" / "rail-demo" / "guideline_data", project / "guideline_data")
    checked = run([str(installed / "guideline-kb"), "check", "--data", "rail-demo/guideline_data"], tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("ok: ")
    built = run([str(installed / "guideline-kb"), "build", "--data", "rail-demo/guideline_data"], tmp_path)
    assert built.returncode == 0, built.stderr
    assert "Traceback" not in built.stderr
    home = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert "assets/kb.css" in home and "kb-search" in home  # the generator's theme and assets came with the wheel
    assert (project / "site" / "assets" / "kb.css").is_file()
    assert (project / "site" / "pagefind").is_dir()
    assert str(PROJECT) not in (project / "build" / "mkdocs.yml").read_text(encoding="utf-8")


def test_new_then_build_and_serve_from_the_wheel_in_any_folder(installed, tmp_path):
    created = run([str(installed / "guideline-kb"), "new", "my-kb"], tmp_path)
    assert created.returncode == 0, created.stderr
    assert created.stdout == (
        "created my-kb/guideline_data: edit kb.yaml first, then `guideline-kb check --data my-kb/guideline_data`\n"
    )
    alias = run([str(installed / "aviation-kb"), "check", "--data", "my-kb/guideline_data"], tmp_path)
    assert alias.returncode == 0, alias.stderr
    command = [str(installed / "guideline-kb"), "serve", "--port", "0", "--data", "guideline_data"]
    server = subprocess.Popen(
        command, cwd=tmp_path / "my-kb", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = server.stdout.readline()
        assert line.startswith("Serving on http://127.0.0.1:"), line + server.stderr.read()
        url = line.split()[2]
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    page = response.read().decode("utf-8")
                if "kb-search" in page:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, server.stderr.read()
            time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
