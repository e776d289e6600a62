"""One version, pyproject.toml's: everything that shows a version reads that one."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import concierge
from concierge.api.client import ApiClient

ROOT = Path(__file__).resolve().parents[2]


def declared() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def test_the_installed_version_is_the_declared_one() -> None:
    assert version("field-concierge") == declared() == concierge.__version__
    assert declared() != concierge.UNKNOWN_VERSION


def test_version_option_prints_it() -> None:
    done = subprocess.run([sys.executable, "-m", "concierge", "--version"],
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == f"concierge {declared()}"


def test_user_agent_carries_it() -> None:
    with ApiClient("http://127.0.0.1:9") as client:
        assert client._session.headers["User-Agent"] == f"field-concierge/{declared()}"


def test_no_source_file_writes_a_version_of_its_own() -> None:
    literal = f'"{declared()}"'
    offenders = [str(p.relative_to(ROOT))
                 for folder in ("concierge", "concierge_office", "ui", "packaging")
                 for p in (ROOT / folder).rglob("*") if p.suffix in {".py", ".spec", ".iss"}
                 and literal in p.read_text(encoding="utf-8")]
    assert offenders == []
