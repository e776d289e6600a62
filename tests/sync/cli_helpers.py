"""Running the headless commands as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.sync.conftest import PASSWORD


def cli_env() -> dict[str, str]:
    return {**os.environ, "CONCIERGE_PASSWORD": PASSWORD}


def concierge(data_dir: Path, *args: str, check: bool = True,
              python: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [*(python or [sys.executable, "-m", "concierge"]), "--data-dir", str(data_dir), *args]
    done = subprocess.run(command, env=cli_env(), capture_output=True, text=True, timeout=120,
                          check=False)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def sync_until(data_dir: Path, stop: Callable[[dict[str, Any]], bool], *args: str) -> bool:
    """Run ``sync --once --progress`` and kill -9 it at the first progress line ``stop`` picks.

    True if it was killed, False if it finished first.
    """
    command = [sys.executable, "-m", "concierge", "--data-dir", str(data_dir), "sync", "--once",
               "--progress", *args]
    with subprocess.Popen(command, env=cli_env(), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                          text=True) as process:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith('{"phase"') and stop(json.loads(line)):
                process.kill()
                process.wait(timeout=30)
                return True
        process.wait(timeout=60)
        return False


def status(data_dir: Path) -> dict[str, Any]:
    return dict(json.loads(concierge(data_dir, "status", "--json").stdout))


def sync_killed_when(data_dir: Path, reached: threading.Event, *args: str) -> bool:
    """Run ``sync --once`` and kill -9 it as soon as ``reached`` is set (True if killed)."""
    command = [sys.executable, "-m", "concierge", "--data-dir", str(data_dir), "sync", "--once",
               *args]
    with subprocess.Popen(command, env=cli_env(), stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL) as process:
        while process.poll() is None:
            if reached.wait(0.05):
                process.kill()
                process.wait(timeout=30)
                return True
        return False
