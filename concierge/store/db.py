# SPDX-License-Identifier: Apache-2.0
"""SQLite handle: WAL, one connection per thread, serialised writers, migrations."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from concierge.errors import PersonError
from concierge.store.schema import MIGRATIONS


class StoreError(PersonError):
    """The local store cannot be used (e.g. it was made by a newer app): ``code`` and
    ``params`` (``concierge.errors``); ``msg`` says so for a person, in their language;
    ``str()`` is English, for logs."""


class StoreRefusal(StoreError, ValueError):
    """A change the store refuses (nothing was stored): ``msg`` tells the person by its
    code; ``str()`` is ``detail``, English with the fields involved, for logs."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(code)
        self.args = (detail,)


class StoreItemMissing(StoreError, KeyError):
    """The item is not (any more) in the local store; ``str()`` names it, for logs."""

    def __init__(self, detail: str) -> None:
        super().__init__("store_item_missing")
        self.args = (detail,)


class AttachmentRefused(StoreError, ValueError):
    """A file the store does not keep (its type, its size); nothing was stored."""


class CorruptStoreError(StoreError):
    """The store file is damaged.  It was moved aside (``kept_as``), never changed."""

    def __init__(self, path: Path, kept_as: Path, problem: str) -> None:
        super().__init__("store_damaged", path=str(path), problem=problem, kept=kept_as.name)
        self.path = path
        self.kept_as = kept_as
        self.problem = problem


SQLITE_HEADER = b"SQLite format 3\x00"


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._registry_lock = threading.Lock()
        self._closed = False
        existed = path.exists()
        problem = _header_problem(path) if existed else None
        if problem is None:
            _create_private(path)
            try:
                if existed:
                    problem = self._integrity_problem()
                if problem is None:
                    self._migrate()
            except sqlite3.DatabaseError as exc:
                problem = str(exc)
        if problem is not None:
            self.close()
            raise CorruptStoreError(path, move_aside(path), problem)

    def _integrity_problem(self) -> str | None:
        rows = self.connection().execute("PRAGMA quick_check").fetchall()
        return None if [tuple(r) for r in rows] == [("ok",)] else str(rows[0][0])

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (made on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StoreError("store_closed")
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
            raise StoreError("store_too_new", path=str(self.path), version=str(version))
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            if isinstance(step, str):
                conn.executescript(
                    f"BEGIN IMMEDIATE;\n{step}\nPRAGMA user_version = {number};\nCOMMIT;"
                )
                continue
            conn.execute("BEGIN IMMEDIATE")
            try:
                step(conn)
                conn.execute(f"PRAGMA user_version = {number}")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")


def _header_problem(path: Path) -> str | None:
    """Why the file cannot be a store (cheap checks before SQLite opens it), or None."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        return f"it cannot be read: {exc.strerror or exc}"
    if not header:
        return "the file is empty (0 bytes)"
    if header != SQLITE_HEADER:
        return "it is not an SQLite database"
    return None


def move_aside(path: Path) -> Path:
    """Rename the store file (and its WAL and shared-memory files) to
    ``<name>.corrupt-<UTC time>``; returns the new path of the store file."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("-wal", "-shm", ""):
        source = path.with_name(path.name + suffix)
        if source.exists():
            os.replace(source, kept.with_name(kept.name + suffix))
    return kept


def _create_private(path: Path) -> None:
    """Create the file (and its folder) readable only by its owner."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
