# SPDX-License-Identifier: Apache-2.0
"""One broker connection per broker account, however many office processes run.

mosquitto ties the client id to the account (``use_username_as_clientid``): two processes
logged in as one account throw each other off, again and again.  On PostgreSQL the
processes of an office (``serve --workers N``, or two offices given one account) therefore
elect one holder of the connection with a session-level advisory lock, keyed by the
account and the broker.  The others wait for the lock inside PostgreSQL: when the holder
stops, loses its database session, or is killed (the server ends its session as soon as
the socket closes), one of them has the lock at once and takes over.  The holder checks
its session every second and gives the connection up when the session is gone, since
another process may hold the lock by then.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from concierge_office.db import Database

log = logging.getLogger(__name__)

CHECK_SECONDS = 1.0  # the holder checks that its session (and so the lock) is alive
RETRY_SECONDS = 2.0  # the database was away: try again after


def lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for ``name``."""
    digest = hashlib.sha256(f"field-concierge devices link {name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Election:
    """Calls ``on_elected`` when this process holds the lock, ``on_deposed`` when it
    no longer does (both on the election's thread)."""

    def __init__(
        self,
        database: Database,
        name: str,
        *,
        on_elected: Callable[[], None],
        on_deposed: Callable[[], None],
    ) -> None:
        self.key = lock_key(name)
        self.name = name
        self.on_elected = on_elected
        self.on_deposed = on_deposed
        # Its own connection, outside the pool: the lock lives exactly as long as it.
        self._engine = create_engine(database.url, poolclass=NullPool)
        self._stop = threading.Event()
        self._conn: Connection | None = None
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None
        self.holds = False

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="concierge-link-election",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Give the lock up (or stop waiting for it)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        while thread is not None and thread.is_alive():
            self._cancel_wait()
            thread.join(0.5)
        self._engine.dispose()

    def _cancel_wait(self) -> None:
        with self._guard:
            conn = self._conn
            if conn is None or self.holds:
                return
            try:
                conn.connection.driver_connection.cancel()  # type: ignore[union-attr]
            except Exception:  # the wait ended meanwhile
                log.debug("devices: cancelling the lock wait failed", exc_info=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._campaign()
            except (SQLAlchemyError, OSError) as problem:
                if self._stop.is_set():
                    return
                log.warning("devices: the broker connection's election lost its database "
                            "session (%s); trying again", str(problem).splitlines()[0])
                self._stop.wait(RETRY_SECONDS)

    def _campaign(self) -> None:
        with self._engine.connect() as raw:
            conn = raw.execution_options(isolation_level="AUTOCOMMIT")
            with self._guard:
                self._conn = conn
            try:
                if self._stop.is_set():
                    return
                # Blocks inside PostgreSQL until the holder's session ends.
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": self.key})
                with self._guard:
                    self.holds = True
                try:
                    self.on_elected()
                    while not self._stop.wait(CHECK_SECONDS):
                        conn.execute(text("SELECT 1"))  # raises once the session is gone
                finally:
                    with self._guard:
                        self.holds = False
                    self.on_deposed()
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            finally:
                with self._guard:
                    self._conn = None
