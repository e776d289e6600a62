# SPDX-License-Identifier: Apache-2.0
"""Recovering what a damaged store still holds into a fresh one.

The damaged file is never changed: it is copied (with its WAL) to a temporary folder and
read there, table by table, row by row, keeping whatever reads.  Unsent changes keep
their op ids, so one the office already has is answered "duplicate", never applied twice.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from concierge.errors import english
from concierge.i18n import Msg, msg, nmsg
from concierge.store import attachments
from concierge.store.db import Database

log = logging.getLogger(__name__)


@dataclass
class SalvageReport:
    kept_as: Path
    changes: int = 0  # unsent changes (outbox ops)
    sessions: int = 0  # session drafts
    attachments: int = 0
    account: bool = False
    problems: list[str] = field(default_factory=list)

    def summary_msgs(self) -> list[Msg]:
        """What was recovered, as messages for the reader's language (a sentence each)."""
        counts = {
            "changes": nmsg("{count} unsent change", "{count} unsent changes", self.changes),
            "drafts": nmsg("{count} session draft", "{count} session drafts", self.sessions),
            "attachments": nmsg("{count} attachment", "{count} attachments", self.attachments),
            "file": self.kept_as.name,
        }
        said = [msg("Recovered {changes}, {drafts} and {attachments} from {file}.", **counts)]
        if self.changes:
            said.append(msg("The changes are sent at the next sync."))
        if self.problems:
            said.append(msg("Some of it could not be read ({problem}).",
                            problem=self.problems[0]))
        return said

    def summary(self) -> str:
        """In English, for the log."""
        return " ".join(english(m) for m in self.summary_msgs())


def salvage(kept_as: Path, into: Database, attachments_dir: Path) -> SalvageReport:
    report = SalvageReport(kept_as)
    with tempfile.TemporaryDirectory(prefix="concierge-salvage-") as folder:
        copy = Path(folder) / "damaged.sqlite3"
        for suffix in ("", "-wal"):
            source = kept_as.with_name(kept_as.name + suffix)
            if source.exists():
                shutil.copyfile(source, copy.with_name(copy.name + suffix))
        try:
            damaged = sqlite3.connect(copy)
        except sqlite3.DatabaseError as exc:
            report.problems.append(str(exc))
            return report
        try:
            _recover(damaged, into, attachments_dir, report)
        finally:
            damaged.close()
    log.warning("salvaged %s: %s", kept_as, report.summary())
    return report


def _rows(damaged: sqlite3.Connection, sql: str, report: SalvageReport) -> Iterator[Any]:
    """The rows that read, until the first that does not."""
    try:
        yield from damaged.execute(sql)
    except sqlite3.DatabaseError as exc:
        report.problems.append(str(exc))


def _recover(
    damaged: sqlite3.Connection, into: Database, attachments_dir: Path, report: SalvageReport
) -> None:
    with into.write() as conn:
        for (value,) in _rows(damaged, "SELECT value FROM meta WHERE key = 'account'", report):
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('account', ?)",
                         (value,))
            report.account = True
        for row in _rows(damaged, "SELECT op_id, entity, entity_id, base_version, payload, "
                         "made_at FROM outbox ORDER BY seq", report):
            done = conn.execute(
                "INSERT OR IGNORE INTO outbox (op_id, entity, entity_id, base_version, payload, "
                "made_at) VALUES (?, ?, ?, ?, ?, ?)", tuple(row),
            ).rowcount
            report.changes += done
        for row in _rows(damaged, "SELECT entity, id, version, data, base FROM records "
                         "WHERE entity = 'session'", report):
            report.sessions += conn.execute(
                "INSERT OR IGNORE INTO records (entity, id, version, data, base) "
                "VALUES (?, ?, ?, ?, ?)", tuple(row),
            ).rowcount
        for sha, content_type, size, filename in _rows(
            damaged, "SELECT sha256, content_type, size, filename FROM attachments", report
        ):
            if not attachments.path_for(attachments_dir, sha).exists():
                continue
            report.attachments += conn.execute(
                "INSERT OR IGNORE INTO attachments (sha256, content_type, size, filename) "
                "VALUES (?, ?, ?, ?)", (sha, content_type, size, filename),
            ).rowcount
