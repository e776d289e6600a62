# SPDX-License-Identifier: Apache-2.0
"""SQLite handle: WAL, one connection per thread, serialised writers, migrations."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from concierge.store.schema import MIGRATIONS


class StoreError(Exception):
    """The local store cannot be used (e.g. it was made by a newer app)."""


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._registry_lock = threading.Lock()
        self._closed = False
        _create_private(path)
        self._migrate()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (made on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StoreError("The local store is closed.")
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            for pragma in (
                "journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=10000",
            ):
                conn.execute(f"PRAGMA {pragma}")
            self._local.conn = conn
            with self._registry_lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One consistent snapshot; never waits for writers (WAL)."""
        conn = self.connection()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("ROLLBACK")

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction; writers of this process take turns.

        ``durable=False`` commits without waiting for the disk (WAL, synchronous=NORMAL):
        the transaction survives the app crashing or being killed, but a power cut
        may lose it until the next durable commit or checkpoint syncs the log.  Only
        for frequent writes that a later one supersedes (session autosave).
        """
        with self._write_lock:
            conn = self.connection()
            if not durable:
                conn.execute("PRAGMA synchronous=NORMAL")
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            finally:
                if not durable:
                    conn.execute("PRAGMA synchronous=FULL")

    def close(self) -> None:
        self._closed = True
        with self._registry_lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        self._local = threading.local()

    def _migrate(self) -> None:
        conn = self.connection()
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise StoreError(
                f"The local store {self.path} was written by a newer version of the app "
                f"(schema {version}); update the app."
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )


def _create_private(path: Path) -> None:
    """Create the file (and its folder) readable only by its owner."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
