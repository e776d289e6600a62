# SPDX-License-Identifier: Apache-2.0
"""A private mosquitto broker on a free loopback port, with generated credentials and ACLs.

Used by the tests and by the demo.  Each device logs in as its own id; pattern ACL
lines pin it to ``fc/v1/dev/<its id>/...``; the office has a separate account.
"""

from __future__ import annotations

import ctypes
import getpass
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from concierge_office.devices.topics import OFFICE_ACCOUNT, check_device_id

READY_SECONDS = 10.0
MESSAGE_SIZE_LIMIT = 256 * 1024

OFFICE_ACL = """\
user {account}
topic read fc/v1/dev/+/telemetry
topic read fc/v1/dev/+/state
topic read fc/v1/dev/+/ack/+
topic write fc/v1/dev/+/cmd/+
"""
DEVICE_ACL = """\
pattern write fc/v1/dev/%u/telemetry
pattern write fc/v1/dev/%u/state
pattern write fc/v1/dev/%u/ack/+
pattern read fc/v1/dev/%u/cmd/+
"""


def acl(offices: Iterable[str] = (OFFICE_ACCOUNT,)) -> str:
    """The ACL file: a block per office account, then the devices' pattern lines."""
    blocks = [OFFICE_ACL.format(account=account) for account in offices]
    return "\n".join([*blocks, DEVICE_ACL])


class BrokerUnavailable(RuntimeError):
    """mosquitto is not installed or did not start."""


def mosquitto_missing() -> str | None:
    """Why a private broker cannot run here, or None."""
    for tool in ("mosquitto", "mosquitto_passwd"):
        if _which(tool) is None:
            return (
                f"{tool} is not installed: run scripts/system-deps.sh "
                "(apt-get install mosquitto mosquitto-clients)"
            )
    return None


def _which(tool: str) -> str | None:
    return shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/usr/local/sbin")


@dataclass
class PrivateBroker:
    """mosquitto in the foreground, configured in ``workdir``; stop() ends it."""

    workdir: Path
    devices: dict[str, str] = field(default_factory=dict)  # device id: password
    persistence: bool = False
    office_password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    # more office accounts (several ingesting offices, one account each): name: password
    offices: dict[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.workdir / "mosquitto.log"

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def add_devices(self, device_ids: Iterable[str]) -> None:
        """Give devices credentials (a running broker reloads its password file)."""
        for device_id in device_ids:
            check_device_id(device_id)
            self.devices.setdefault(device_id, secrets.token_urlsafe(18))
        if self.process is not None:
            self._write_passwords()
            self.process.send_signal(signal.SIGHUP)

    def add_offices(self, accounts: Iterable[str]) -> None:
        """Office accounts beside ``fc-office``, each with the office's ACL block."""
        for account in accounts:
            check_device_id(account)
            self.offices.setdefault(account, secrets.token_urlsafe(18))
        if self.process is not None:
            self._write_acl()
            self._write_passwords()
            self.process.send_signal(signal.SIGHUP)

    def _write_acl(self) -> None:
        path = self.workdir / "acl"
        path.write_text(acl([OFFICE_ACCOUNT, *sorted(self.offices)]))
        os.chmod(path, 0o600)

    def start(self) -> PrivateBroker:
        problem = mosquitto_missing()
        if problem is not None:
            raise BrokerUnavailable(problem)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._write_passwords()
        self._write_acl()
        for _attempt in range(5):  # a port found free can be taken before mosquitto binds it
            self.port = self.port or _free_port(self.host)
            if self._launch():
                return self
            self.port = 0
        raise BrokerUnavailable(f"mosquitto did not start; its log:\n{self._log()}")

    def _write_passwords(self) -> None:
        path = self.workdir / "passwords"
        lines = [f"{OFFICE_ACCOUNT}:{self.office_password}"]
        lines += [f"{account}:{password}" for account, password in sorted(self.offices.items())]
        lines += [f"{device}:{password}" for device, password in sorted(self.devices.items())]
        path.write_text("\n".join(lines) + "\n")
        os.chmod(path, 0o600)
        passwd = _which("mosquitto_passwd")
        assert passwd is not None
        subprocess.run([passwd, "-U", str(path)], check=True, capture_output=True, timeout=60)

    def _config(self) -> str:
        lines = [
            f"listener {self.port} {self.host}",
            "allow_anonymous false",
            f"password_file {self.workdir / 'passwords'}",
            f"acl_file {self.workdir / 'acl'}",
            "use_username_as_clientid true",
            f"message_size_limit {MESSAGE_SIZE_LIMIT}",
            f"log_dest file {self.log_path}",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
            # As root mosquitto would drop to user "mosquitto" before reading the files.
            f"user {getpass.getuser()}",
        ]
        if self.persistence:
            lines += [
                "persistence true",
                f"persistence_location {self.workdir}/",
                "autosave_interval 1",
            ]
        else:
            lines.append("persistence false")
        return "\n".join(lines) + "\n"

    def _launch(self) -> bool:
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(self._config())
        self.log_path.write_text("")
        binary = _which("mosquitto")
        assert binary is not None
        self.process = subprocess.Popen(
            [binary, "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                return False
            if " running" in self._log() and _accepts(self.host, self.port):
                return True
            time.sleep(0.02)
        self.stop()
        raise BrokerUnavailable(f"mosquitto was not ready in {READY_SECONDS} s:\n{self._log()}")

    def _log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def restart(self) -> None:
        """Stop and start again on the same port (a broker outage)."""
        self.stop()
        if not self._launch():
            raise BrokerUnavailable(f"mosquitto did not restart:\n{self._log()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def __enter__(self) -> PrivateBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _die_with_parent() -> None:
    """In the child: SIGTERM when the process that started the broker dies, so a killed
    office never leaves its broker behind (Linux prctl PR_SET_PDEATHSIG)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False
