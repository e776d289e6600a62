"""The office as operators run it: a real ``concierge-office`` process, its settings,
first-admin bootstrap, probes, and a clean stop on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import requests

from concierge_office.bootstrap import password_problem
from concierge_office.config import ConfigError, load
from concierge_office.demo_fleet import DEMO_PASSWORD
from tests.officedb import POSTGRESQL, Backend
from tests.pgcluster import PrivateCluster

_DEADLINE = 60.0
T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


LISTENING = "Uvicorn running on"  # uvicorn's line once its socket listens
READY = "back office ready"  # the office's line once its data is prepared


class OfficeProcess:
    """``concierge-office serve`` in its own process; its output is read as it comes."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.database = args[args.index("--db") + 1] if "--db" in args else ""
        workers = int(args[args.index("--workers") + 1]) if "--workers" in args else 1
        # with workers: the office that prepares the data before them, then each worker
        self.ready_lines = 1 if workers == 1 else workers + 1
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "concierge_office", "serve", "--port", str(self.port), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, **(env or {})},
        )
        self._lines: list[str] = []
        self._ended = False
        self._said = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout as out:
            for line in out:
                with self._said:
                    self._lines.append(line)
                    self._said.notify_all()
        with self._said:
            self._ended = True
            self._said.notify_all()

    @property
    def output(self) -> str:
        with self._said:
            return "".join(self._lines)

    def wait_output(self, found: Callable[[str], T | None], what: str,
                    timeout: float = _DEADLINE) -> T:
        """Until ``found`` finds something in the output so far (each line as it comes)."""
        result: list[T] = []

        def said() -> bool:
            value = found("".join(self._lines))
            if value is not None:
                result.append(value)
            return bool(result) or self._ended

        with self._said:
            assert self._said.wait_for(said, timeout=timeout), f"no {what}:\n{self.output}"
            assert result, f"the office ended before {what}:\n{''.join(self._lines)}"
        return result[0]

    def wait_ready(self) -> None:
        """Until the office says it listens and has its data ready (or it ends)."""
        def said_ready() -> bool:
            text = "".join(self._lines)
            return self._ended or (LISTENING in text and text.count(READY) >= self.ready_lines)

        with self._said:
            assert self._said.wait_for(said_ready, timeout=_DEADLINE), self.output
            assert not self._ended, "".join(self._lines)
        assert requests.get(f"{self.url}/readyz", timeout=10).status_code == 200

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        began = time.monotonic()
        self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        assert time.monotonic() - began < 30
        self._reader.join(timeout=30)
        return code, self.output

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        self._reader.join(timeout=30)


@pytest.fixture
def office_process(office_backend: Backend) -> Iterator[tuple[OfficeProcess, str]]:
    url = office_backend.empty("proc")
    office = OfficeProcess("--db", url.replace("postgresql+psycopg://", "postgresql://"))
    yield office, url
    office.kill()
    office_backend.drop(url)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_first_start_bootstraps_an_admin_and_a_signal_stops_it_cleanly(
    office_process: tuple[OfficeProcess, str], sig: int
) -> None:
    office, _ = office_process
    office.wait_ready()
    assert requests.get(f"{office.url}/healthz", timeout=5).json() == {"status": "alive"}
    ready = requests.get(f"{office.url}/readyz", timeout=5).json()
    assert ready["checks"] == {"prepared": True, "not_stopping": True, "database": True,
                               "schema_current": True}
    # No fixed password: the demo's office account does not exist here.
    refused = requests.post(f"{office.url}/v1/auth/login",
                            json={"username": "office", "password": "office-demo"}, timeout=10)
    assert refused.status_code == 401
    code, out = office.stop(sig)
    assert code == 0, out
    token = re.search(r"one-time setup token \(15 min\): (\S+)", out)
    assert token, out
    assert "back office stopped" in out


def test_the_setup_token_creates_one_admin_once(office_process: tuple[OfficeProcess, str]) -> None:
    office, _ = office_process
    office.wait_ready()
    _, out = office.stop()
    token = re.search(r"one-time setup token \(15 min\): (\S+)", out)
    assert token, out
    again = OfficeProcess("--db", office.database)
    try:
        again.wait_ready()
        setup = f"{again.url}/v1/setup"
        weak = requests.post(setup, json={"token": token[1], "username": "boss",
                                          "password": "short"}, timeout=10)
        assert weak.status_code == 400 and "12 characters" in weak.json()["error"]["message"]
        body = {"token": token[1], "username": "boss", "password": "a long enough secret"}
        assert requests.post(setup, json=body, timeout=30).status_code == 201
        reused = requests.post(setup, json={**body, "username": "eve"}, timeout=30)
        assert reused.status_code == 400 and reused.json()["error"]["code"] == "setup_token_used"
        login = requests.post(f"{again.url}/v1/auth/login",
                              json={"username": "boss", "password": "a long enough secret"},
                              timeout=30)
        assert login.status_code == 200 and login.json()["user"]["role"] == "admin"
        assert again.stop()[0] == 0
        more = subprocess.run(
            [sys.executable, "-m", "concierge_office", "setup-token", "--db", again.database],
            capture_output=True, text=True, timeout=60, check=False,
        )
        assert more.returncode == 1 and "administrator exists already" in more.stderr
    finally:
        again.kill()


def test_settings_refuse_unknown_keys_and_bad_values_naming_them(tmp_path: Path) -> None:
    config = tmp_path / "office.toml"
    config.write_text('port = 8000\ndatabse_url = "sqlite:///x"\n')
    with pytest.raises(ConfigError, match="databse_url"):
        load(config, environ={})
    config.write_text("workers = 0\n")
    with pytest.raises(ConfigError, match="workers"):
        load(config, environ={})
    with pytest.raises(ConfigError, match="CONCIERGE_OFFICE_PROT"):
        load(None, environ={"CONCIERGE_OFFICE_PROT": "1"})
    with pytest.raises(ConfigError, match="database_url"):
        load(None, environ={"CONCIERGE_OFFICE_DATABASE_URL": "mysql://x/y"})
    config.write_text('port = 9000\nlog_format = "json"\n')
    settings = load(config, {"port": 9100}, environ={"CONCIERGE_OFFICE_LOG_FORMAT": "text"})
    assert (settings.port, settings.log_format) == (9100, "text")  # file < env < flags


def test_print_config_masks_the_database_password(tmp_path: Path) -> None:
    secret = tmp_path / "db-url"
    secret.write_text("postgresql://office:s3cret-pw@db.example/office\n")
    shown = subprocess.run(
        [sys.executable, "-m", "concierge_office", "print-config"], capture_output=True,
        text=True, timeout=60, check=True,
        env={**os.environ, "CONCIERGE_OFFICE_DATABASE_URL_FILE": str(secret)},
    ).stdout
    settings = json.loads(shown)
    assert "s3cret-pw" not in shown
    assert settings["database_url"] == "postgresql+psycopg://office:***@db.example/office"


def test_the_default_database_persists_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert load(None, environ={}).database_url == (
        f"sqlite:///{tmp_path / 'data' / 'field-concierge-office' / 'office.sqlite'}"
    )


def test_several_workers_are_refused_on_sqlite(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "concierge_office", "serve", "--workers", "2",
         "--db", f"sqlite:///{tmp_path / 'o.sqlite'}"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 1 and "needs PostgreSQL" in done.stderr


def test_password_policy() -> None:
    assert password_problem("boss", "short")
    assert password_problem("bossbossboss", "BossBossBoss")
    assert password_problem("boss", "a" * 20)
    assert password_problem("boss", "a perfectly fine one") is None


@pytest.mark.postgresql
def test_three_workers_serve_one_postgresql_database_and_stop_cleanly(
    pg_cluster: PrivateCluster, tmp_path: Path
) -> None:
    backend = Backend(POSTGRESQL, pg_cluster, tmp_path)
    url = backend.empty("workers")
    office = OfficeProcess("--db", url, "--workers", "3", "--demo", "--no-live")
    try:
        office.wait_ready()
        children = subprocess.run(["pgrep", "-P", str(office.process.pid)], capture_output=True,
                                  text=True, check=False).stdout.split()
        assert len(children) >= 3, children
        logins = [requests.post(f"{office.url}/v1/auth/login",
                                json={"username": "ana", "password": DEMO_PASSWORD}, timeout=30)
                  for _ in range(6)]
        assert all(r.status_code == 200 for r in logins)
        code, out = office.stop()
        assert code == 0, out
    finally:
        office.kill()
        backend.drop(url)
