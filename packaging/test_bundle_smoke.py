"""Smoke test of the built Linux bundle (``make bundle-test``, after ``make bundle``).

Runs the frozen executables as a person would: ``concierge --version``, the demo
offscreen to a screenshot, and the tarball's install script.
"""

from __future__ import annotations

import os
import re
import subprocess
import tarfile
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "field-concierge"
CONTENTS = BUNDLE / "_internal"
OFFICE_STACK = ("concierge_office", "fastapi", "starlette", "uvicorn", "sqlalchemy", "argon2")


def declared_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def run(command: list[str], home: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    env.update(CONCIERGE_HOME=str(home), QT_QPA_PLATFORM="offscreen", **extra)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=240,
                          check=False)


@pytest.fixture(scope="module", autouse=True)
def built() -> None:
    assert (BUNDLE / "field-concierge").is_file(), "build it first: make bundle"


def test_both_executables_run_and_print_the_one_version(tmp_path) -> None:
    for name in ("concierge", "field-concierge"):
        done = run([str(BUNDLE / name), "--version"], tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"concierge {declared_version()}"


def test_headless_command_works_frozen(tmp_path) -> None:
    done = run([str(BUNDLE / "concierge"), "status"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^Account: +not signed in$", done.stdout, re.M), done.stdout


def test_demo_opens_offscreen_says_what_it_needs_and_exits_0(tmp_path) -> None:
    from PIL import Image

    shot = tmp_path / "demo.png"
    done = run([str(BUNDLE / "field-concierge"), "--demo", "--screenshot", str(shot)],
               tmp_path / "home")
    assert done.returncode == 0, done.stderr[-4000:]
    with Image.open(shot) as image:
        assert image.size[0] >= 1200 and image.size[1] >= 800
        low, high = image.convert("L").getextrema()
        assert high - low > 100  # a rendered window, not a blank one
    log = (tmp_path / "home" / "demo" / "logs" / "concierge.log").read_text()
    assert "Screenshot written" in log
    assert "the demo needs the back office" in log.lower()
    assert not (tmp_path / "home" / "data").exists()  # the demo kept to its own folder


def test_bundle_carries_no_back_office_and_its_licences() -> None:
    toc = (ROOT / "build" / "field-concierge" / "PYZ-00.toc").read_text()
    modules = set(re.findall(r"\('([\w.]+)',", toc))
    assert "concierge.cli" in modules and "ui.main_window" in modules
    assert not {m for m in modules if m.split(".")[0] in OFFICE_STACK}
    assert not [p for p in CONTENTS.iterdir() if p.name.split(".")[0].split("-")[0].lower()
                in OFFICE_STACK]
    assert "Apache License" in (CONTENTS / "licenses" / "LICENSE").read_text()
    third_party = (CONTENTS / "licenses" / "THIRD-PARTY-LICENSES.txt").read_text()
    assert "PySide6" in third_party and "fastapi" not in third_party.lower()


def test_tarball_installs_for_the_user_and_uninstalls(tmp_path) -> None:
    version = declared_version()
    tarball = ROOT / "dist" / f"field-concierge-{version}-linux-x86_64.tar.gz"
    with tarfile.open(tarball) as archive:
        archive.extractall(tmp_path / "unpacked", filter="tar")
    unpacked = tmp_path / "unpacked" / f"field-concierge-{version}"
    prefix, data = tmp_path / "prefix", tmp_path / "share"
    env = {"PREFIX": str(prefix), "XDG_DATA_HOME": str(data)}
    done = run(["sh", str(unpacked / "install.sh")], tmp_path, **env)
    assert done.returncode == 0, done.stderr
    command = run([str(prefix / "bin" / "concierge"), "--version"], tmp_path)
    assert command.stdout.strip() == f"concierge {version}"
    desktop = (data / "applications" / "field-concierge.desktop").read_text()
    assert f"Exec={prefix}/lib/field-concierge/field-concierge %u" in desktop
    metainfo = (data / "metainfo" / "io.fieldconcierge.FieldConcierge.metainfo.xml").read_text()
    assert f'version="{version}"' in metainfo
    assert (data / "icons/hicolor/256x256/apps/field-concierge.png").is_file()
    done = run(["sh", str(unpacked / "install.sh"), "--uninstall"], tmp_path, **env)
    assert done.returncode == 0 and not (prefix / "bin" / "concierge").exists()
    assert not (data / "applications" / "field-concierge.desktop").exists()
