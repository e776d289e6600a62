"""Demo mode runs the office as a child process that never outlives the app."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import requests

from concierge.demo_office import start_demo_office

PARENT = """
import sys
from pathlib import Path
from concierge.demo_office import start_demo_office
office = start_demo_office(Path(sys.argv[1]), 0)
print(office.process.pid, office.url, flush=True)
sys.stdin.read()
"""


def _exits_within(pid: int, seconds: float) -> bool:
    """Wait on a pidfd: readable once the process has terminated (no polling)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([fd], [], [], seconds)
        return bool(readable)
    finally:
        os.close(fd)


def test_demo_office_serves_and_stops(tmp_path: Path) -> None:
    office = start_demo_office(tmp_path / "demo.sqlite3", 0)
    try:
        assert requests.get(f"{office.url}/v1/health", timeout=10).status_code == 200
        assert office.login and office.password
    finally:
        office.stop()
    assert office.process.returncode == 0


def test_demo_office_goes_when_the_app_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path / "demo.sqlite3")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert parent.stdout is not None
    pid_text, url = parent.stdout.readline().split()
    child = int(pid_text)
    assert requests.get(f"{url}/v1/health", timeout=10).status_code == 200
    parent.send_signal(signal.SIGKILL)
    parent.communicate()
    assert _exits_within(child, 30), "the demo office outlived the killed app"
