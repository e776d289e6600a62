"""One sync at a time across processes: the window and `concierge sync` share a data folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from concierge.sync.lock import ProcessLock
from tests.sync.cli_helpers import cli_env, concierge, status
from tests.sync.conftest import DEMO_TECH, Office
from tests.sync.proxy import FaultProxy

HOLDER = """
import sys
from pathlib import Path
from concierge.sync.lock import ProcessLock
lock = ProcessLock(Path(sys.argv[1]))
print("held" if lock.acquire() else "busy", flush=True)
sys.stdin.read()  # hold until the test closes our stdin (or kills us)
"""


def _holder(path: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "held"
    return process


def test_lock_is_exclusive_between_processes_and_freed_when_one_dies(tmp_path: Path) -> None:
    path = tmp_path / "sync.lock"
    holder = _holder(path)
    try:
        lock = ProcessLock(path)
        assert not lock.acquire() and not lock.held
        holder.kill()  # kill -9: the OS drops the lock with the process
        holder.wait(timeout=30)
        assert lock.acquire() and lock.held
        second = subprocess.run([sys.executable, "-c", HOLDER, str(path)], input="",
                                capture_output=True, text=True, timeout=60, check=True)
        assert second.stdout.strip() == "busy"
        lock.release()
        assert not lock.held
        again = subprocess.run([sys.executable, "-c", HOLDER, str(path)], input="",
                               capture_output=True, text=True, timeout=60, check=True)
        assert again.stdout.strip() == "held"
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(timeout=30)
        if holder.stdin is not None:
            holder.stdin.close()
        if holder.stdout is not None:
            holder.stdout.close()


@pytest.mark.keyring
def test_second_sync_process_reports_another_sync_and_succeeds(
    office: Office, tmp_path: Path
) -> None:
    """Two real `concierge sync --once` processes on one data folder: the second one,
    started while the first is in the middle of its pull, does nothing and exits 0."""
    data = tmp_path / "cli"
    with FaultProxy(office.url) as proxy:
        concierge(data, "login", "--server", proxy.url, "--user", DEMO_TECH)
        proxy.hold_path = "/v1/sync/changes"  # the first sync stops inside its first pull
        command = [sys.executable, "-m", "concierge", "--data-dir", str(data), "sync", "--once"]
        with subprocess.Popen(command, env=cli_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) as first:
            try:
                assert proxy.held.wait(60), "the first sync never reached its pull"
                second = concierge(data, "sync", "--once")
                assert "Another sync of this data is running" in second.stdout
                assert "Traceback" not in second.stderr
                assert status(data)["last_sync_at"] is None  # the second one changed nothing
                pulls = [e for e in proxy.log if e[1] == "/v1/sync/changes"]
                assert len(pulls) == 1  # only the first process pulled
            finally:
                proxy.hold_path = None
                proxy.release.set()
            first.communicate(timeout=120)
        third = concierge(data, "sync", "--once")  # the folder is free again
        assert "Synced:" in third.stdout
        assert status(data)["last_sync_at"] is not None
