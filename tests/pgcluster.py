"""A private PostgreSQL cluster for tests and benchmarks: initdb in a temp dir, loopback only.

The Debian package's own cluster (port 5432) is never used.  Server binaries come from
the highest ``/usr/lib/postgresql/*/bin`` (or ``CONCIERGE_PG_BINDIR``); as root, the data
and socket dirs belong to ``nobody`` and the server runs as that user (initdb and pg_ctl
refuse root).  Clients connect as role ``postgres`` over TCP 127.0.0.1 with trust auth.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

UNPRIVILEGED_USER = "nobody"
_START_TRIES = 5


class PostgresMissing(RuntimeError):
    pass


def server_bindir() -> Path:
    """Where initdb and pg_ctl are: CONCIERGE_PG_BINDIR, else the newest installed major."""
    configured = os.environ.get("CONCIERGE_PG_BINDIR")
    candidates = [Path(configured)] if configured else sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True
    )
    for bindir in candidates:
        if (bindir / "pg_ctl").is_file() and (bindir / "initdb").is_file():
            return bindir
    raise PostgresMissing(
        "PostgreSQL server binaries not found (looked in "
        f"{configured or '/usr/lib/postgresql/*/bin'}). Install them with "
        "`scripts/system-deps.sh` (apt-get install postgresql), point CONCIERGE_PG_BINDIR at "
        "them, or opt out explicitly with CONCIERGE_TEST_PG=0."
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateCluster:
    """One running cluster: ``url(db)`` gives a SQLAlchemy URL; ``stop()``, ``start()`` again."""

    def __init__(self) -> None:
        self.bindir = server_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="concierge-pg-", dir="/tmp"))
        self.data = self.root / "data"
        self.sockets = self.root / "s"  # short: socket paths are limited to 108 bytes
        self.log = self.root / "server.log"
        self.sockets.mkdir()
        self._run_as: dict[str, Any] = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam(UNPRIVILEGED_USER)
            for path in (self.root, self.sockets):
                os.chown(path, account.pw_uid, account.pw_gid)
            self._run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        self.port = 0
        self._running = False
        atexit.register(self.destroy)
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                 "-E", "UTF8", "--no-sync")
        self.start()

    def _pg(self, tool: str, *args: str) -> None:
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        done = subprocess.run(
            [str(self.bindir / tool), *args], env=env, cwd=self.root, capture_output=True,
            text=True, check=False, **self._run_as,
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr}\n{log}")

    def start(self) -> None:
        """Start the server (on its previous port after a ``stop()``)."""
        keep_port = self.port != 0
        for attempt in range(_START_TRIES):
            port = self.port if keep_port else _free_port()
            options = (f"-F -p {port} -c listen_addresses=127.0.0.1 "
                       f"-c unix_socket_directories={self.sockets} -c max_connections=200 "
                       "-c full_page_writes=off -c synchronous_commit=off")
            try:
                self._pg("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data),
                         "-l", str(self.log), "-o", options)
            except RuntimeError:
                if keep_port or attempt == _START_TRIES - 1:
                    raise
                continue  # the port was taken between probe and bind
            self.port = port
            self._running = True
            return

    def stop(self) -> None:
        if self._running:
            self._pg("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))
            self._running = False

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self, *statements: str) -> None:
        """Run statements in autocommit in the ``postgres`` database (CREATE DATABASE...)."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            for statement in statements:
                conn.execute(statement)  # type: ignore[arg-type]
