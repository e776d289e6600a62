# SPDX-License-Identifier: Apache-2.0
"""WAL checkpoints off the request path.

SQLite's automatic checkpoint runs inside the commit that crosses its threshold, so one
request in a few pays for copying the log back and two fsyncs (~40-60 ms after a large
telemetry batch).  Here a thread of its own checkpoints after commits instead; a PASSIVE
checkpoint never blocks readers or writers.  The automatic one stays as a backstop.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine

log = logging.getLogger(__name__)

# Pages the log may hold before a committing writer checkpoints itself (backstop).
BACKSTOP_PAGES = 4000


class WalCheckpointer:
    """Checkpoints the database's write-ahead log after writers commit, on its own thread.

    The thread starts with the first commit and ends with :meth:`stop`.
    """

    def __init__(self, engine: Engine, name: str) -> None:
        self._engine = engine
        self._name = name
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.checkpointed = threading.Event()  # set after each checkpoint (tests may clear it)

    def committed(self) -> None:
        """A writer committed: checkpoint soon (commits that come meanwhile share one)."""
        with self._lock:
            if self._stopping:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        connection = self._engine.raw_connection()  # from the pool, back to it at the end
        driver: Any = connection.dbapi_connection
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                try:
                    driver.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpointed.set()
                except sqlite3.Error as exc:  # e.g. disk full: the backstop still holds
                    log.warning("Background WAL checkpoint failed: %s", exc)
        finally:
            connection.close()
