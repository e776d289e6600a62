"""A laptop install (the wheel without extras) carries no server stack, and its CLI works."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from importlib.metadata import distribution
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER_STACK = (
    "fastapi", "starlette", "uvicorn", "sqlalchemy", "argon2-cffi", "msgspec", "psycopg", "alembic",
)


def _run(args: list[str | Path], cwd: Path, **env: str) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600,
        env={**os.environ, **env}, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_declared_laptop_dependencies_exclude_the_server_stack() -> None:
    requires = distribution("field-concierge").requires or []
    laptop = [r.split(";")[0].strip().lower() for r in requires if "extra ==" not in r]
    office = [r.lower() for r in requires if "extra ==" in r and "office" in r]
    assert not [r for r in laptop if r.startswith(SERVER_STACK)], laptop
    assert any(r.startswith("fastapi") for r in office), office


def test_bare_wheel_has_no_server_stack_and_the_cli_works(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, ROOT],
         cwd=tmp_path)
    (wheel,) = wheels.glob("field_concierge-*.whl")
    env_dir = tmp_path / "laptop"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    _run([python, "-m", "pip", "install", "--quiet", wheel], cwd=tmp_path)

    installed = _run([python, "-m", "pip", "list", "--format=freeze"], cwd=tmp_path).lower()
    names = {line.split("==")[0].replace("_", "-") for line in installed.splitlines()}
    assert not names & set(SERVER_STACK), names & set(SERVER_STACK)
    assert {"pyside6-essentials", "requests", "keyring"} <= names

    home = tmp_path / "home"
    status = _run([env_dir / "bin" / "concierge", "status"], cwd=tmp_path,
                  CONCIERGE_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    assert "not signed in" in status
    _run([python, "-c", "import concierge.sync, concierge.store, concierge.protocol.schemas"],
         cwd=tmp_path)
    probe = "from concierge.demo_office import office_installed; print(office_installed())"
    assert _run([python, "-c", probe], cwd=tmp_path).strip() == "False"
