# SPDX-License-Identifier: Apache-2.0
"""The store's side of syncing: outbox batches, push results, pulled pages, telemetry.

Used by ``concierge.sync``; each method is one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from concierge.protocol import schemas
from concierge.protocol.columns import SeriesColumns
from concierge.store import attachments, jsonutil, outbox, records, telemetry
from concierge.store.board import ACTIVE_STATUSES, meta_get
from concierge.store.clock import utcnow
from concierge.store.db import Database
from concierge.store.models import (
    NearPull,
    OutboxOp,
    PageOutcome,
    PushOutcome,
    SetAside,
    TelemetryWindow,
)
from concierge.store.records import Key


def meta_set(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    if value is None:
        conn.execute("DELETE FROM meta WHERE key = ?", (key,))
    else:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


class Replication:
    def __init__(
        self, db: Database, attachments_dir: Path, announce: Callable[[set[Key]], None]
    ) -> None:
        self._db = db
        self._attachments = attachments_dir
        self._announce = announce

    # --- pull -------------------------------------------------------------------

    def cursor(self) -> str | None:
        with self._db.read() as conn:
            return meta_get(conn, "cursor")

    def snapshot_in_progress(self) -> bool:
        """A first pull or a re-snapshot has begun and not reached its last page yet (its
        pages are records the laptop never had, not news: no "new urgent visit")."""
        with self._db.read() as conn:
            return (meta_get(conn, "cursor") is None or meta_get(conn, "first_pull") is not None
                    or meta_get(conn, "resetting") is not None)

    def begin_first_pull(self) -> None:
        with self._db.write() as conn:
            if meta_get(conn, "cursor") is None:
                meta_set(conn, "first_pull", "1")

    def near_pull(self) -> NearPull | None:
        """The first sync's near pull, begun and not abandoned (None: there is none)."""
        with self._db.read() as conn:
            window = meta_get(conn, "near_window")
            if window is None:
                return None
            start, _, end = window.partition("|")
            return NearPull(datetime.fromisoformat(start), datetime.fromisoformat(end),
                            meta_get(conn, "near_cursor"), meta_get(conn, "near_skip"))

    def begin_near_pull(self, start: datetime, end: datetime) -> NearPull | None:
        """Start a first sync with today's and tomorrow's work; None if this is no first
        sync (a cursor is stored, or a re-snapshot runs)."""
        with self._db.write() as conn:
            if meta_get(conn, "cursor") is not None or meta_get(conn, "resetting") is not None:
                return None
            meta_set(conn, "first_pull", "1")
            meta_set(conn, "near_window", f"{start.isoformat()}|{end.isoformat()}")
        return NearPull(start, end)

    def abandon_near_pull(self) -> None:
        """Pull everything in the office's order (an older office, or a re-snapshot)."""
        with self._db.write() as conn:
            _forget_near_pull(conn)

    def begin_reset(self) -> None:
        """Re-snapshot: forget the cursor, mark synced rows stale; the outbox stays."""
        with self._db.write() as conn:
            meta_set(conn, "cursor", None)
            meta_set(conn, "resetting", "1")
            _forget_near_pull(conn)
            conn.execute("UPDATE records SET stale = 1 WHERE version IS NOT NULL")

    def apply_page(
        self,
        page: schemas.PullResponse,
        *,
        report_urgent: bool,
        set_aside: Sequence[SetAside] = (),
        near: bool = False,
    ) -> PageOutcome:
        """Apply one pulled page and its cursor together.

        ``near``: a page of the first sync's near pull; its cursor is the near pull's own,
        and its last one is kept as the ``skip`` of the snapshot that follows.

        ``set_aside``: changes of the page this app cannot read.  They are left out of the
        records (a local copy stays as it was) and listed with the refused changes, so the
        person sees them; the cursor moves on all the same.
        """
        outcome = PageOutcome()
        unreadable = {id(item.change) for item in set_aside}
        readable = [change for change in page.changes if id(change) not in unreadable]
        with self._db.write() as conn:
            _note_set_aside(conn, set_aside)
            blocked = records.blocked_keys(conn)
            resetting = meta_get(conn, "resetting") is not None
            if report_urgent:
                outcome.new_urgent_visit_ids = _new_urgent(conn, readable)
            upserts: list[tuple[str, str, int, str]] = []
            deletes: list[tuple[str, str, int]] = []
            for change in readable:
                key = (change.entity, change.id)
                text = None if change.deleted else jsonutil.dumps(change.data)
                if key in blocked:
                    records.defer(conn, key, change.version, text)
                elif text is None and change.entity == "visit" and _withdraw(
                        conn, change.id, change.withdrawal):
                    pass  # kept, marked withdrawn: the technician may be at the site
                elif text is None and _still_shown(conn, change.entity, change.id):
                    pass  # the site and assets of a visit kept on the board
                elif text is None:
                    deletes.append((*key, change.version))
                else:
                    upserts.append((*key, change.version, text))
                outcome.changed.add(key)
            records.upsert_many(conn, upserts)
            conn.executemany("DELETE FROM records WHERE entity = 'withdrawn' AND id = ?",
                             [(u[1],) for u in upserts if u[0] == "visit"])  # given back
            records.delete_many(conn, deletes)
            if near:
                if page.near_until is not None:  # the office's window: kept for every page
                    window = meta_get(conn, "near_window") or ""
                    meta_set(conn, "near_window", f"{window.partition('|')[0]}|"
                                                  f"{page.near_until.isoformat()}")
                meta_set(conn, "near_cursor", page.cursor if page.has_more else None)
                meta_set(conn, "near_skip", None if page.has_more else page.cursor)
                outcome.applied = len(upserts) + len(deletes)
            elif resetting:
                conn.executemany(
                    "UPDATE records SET stale = 0 WHERE entity = ? AND id = ?", outcome.changed
                )
                if not page.has_more:
                    _drop_stale(conn, blocked)
                    meta_set(conn, "resetting", None)
            if not near:
                if not page.has_more:
                    meta_set(conn, "first_pull", None)
                    _forget_near_pull(conn)
                meta_set(conn, "cursor", page.cursor)  # checkpoint: in the page's transaction
                outcome.applied = len(upserts) + len(deletes)
        self._announce(outcome.changed)
        return outcome

    # --- push -------------------------------------------------------------------

    def outbox_high_water(self) -> int:
        with self._db.read() as conn:
            return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM outbox").fetchone()[0])

    def pending_count(self, upto_seq: int | None = None) -> int:
        with self._db.read() as conn:
            limit = upto_seq if upto_seq is not None else 2**62
            row = conn.execute("SELECT COUNT(*) FROM outbox WHERE seq <= ?", (limit,)).fetchone()
            return int(row[0])

    def take_batch(self, limit: int, upto_seq: int) -> list[OutboxOp]:
        """The next ops to push, marked in flight (from now on never modified)."""
        with self._db.write() as conn:
            return outbox.take_batch(conn, limit, upto_seq)

    def apply_results(self, results: Sequence[schemas.MutationResult]) -> PushOutcome:
        outcome = PushOutcome()
        with self._db.write() as conn:
            for result in results:
                op = outbox.remove(conn, str(result.op_id))
                if op is None:
                    continue
                key = (op.entity, op.entity_id)
                if result.status in ("applied", "duplicate"):
                    _acknowledge(conn, key, result)
                    outcome.acknowledged += 1
                elif result.status == "conflict":
                    _conflict(conn, op, result)
                    outcome.conflicts += 1
                else:
                    _reject(conn, op, result)
                    outcome.rejected += 1
                outcome.changed.add(key)
        self._announce(outcome.changed)
        return outcome

    def attachments_to_upload(self, shas: Sequence[str]) -> list[attachments.Upload]:
        """Referenced attachments not uploaded yet (a sha the store does not know is one
        whose file is missing: it cannot be read either)."""
        with self._db.read() as conn:
            rows = conn.execute(
                f"SELECT sha256, content_type, filename, uploaded FROM attachments "
                f"WHERE sha256 IN ({','.join('?' * len(shas))})",
                tuple(shas),
            ).fetchall()
        known = {row[0] for row in rows}
        uploads = [
            attachments.Upload(sha, ctype, filename or "",
                               attachments.path_for(self._attachments, sha))
            for sha, ctype, filename, uploaded in rows if not uploaded
        ]
        missing = [
            attachments.Upload(sha, "", "", attachments.path_for(self._attachments, sha))
            for sha in shas if sha not in known
        ]
        return uploads + missing

    def quarantine_attachment(self, sha256: str) -> None:
        """Move a damaged file aside (kept, renamed), so attaching it again writes it anew."""
        attachments.quarantine(self._attachments, sha256)

    def reject_locally(self, op: OutboxOp, reason: str, code: str) -> None:
        """Take an op that cannot be sent out of the queue into "needs attention".

        The local view stays as the person left it, so they can fix it and save again.
        """
        with self._db.write() as conn:
            if outbox.remove(conn, op.op_id) is None:
                return
            conn.execute(
                "INSERT OR REPLACE INTO rejected "
                "(op_id, entity, entity_id, payload, reason, code, made_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (op.op_id, op.entity, op.entity_id, jsonutil.dumps(op.payload), reason, code,
                 op.made_at.isoformat()),
            )
        self._announce({(op.entity, op.entity_id)})

    def mark_uploaded(self, sha256: str) -> None:
        with self._db.write() as conn:
            conn.execute("UPDATE attachments SET uploaded = 1 WHERE sha256 = ?", (sha256,))

    # --- telemetry ----------------------------------------------------------------

    def telemetry_assets(self) -> list[str]:
        """Assets of the visits still to do."""
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT DISTINCT j.value FROM records v, json_each(v.data, '$.asset_ids') j "
                "WHERE v.entity = 'visit' AND json_extract(v.data, '$.status') IN "
                f"({','.join('?' * len(ACTIVE_STATUSES))}) ORDER BY j.value",
                ACTIVE_STATUSES,
            )
            return [str(r[0]) for r in rows]

    def near_telemetry_assets(self, before: datetime) -> list[str]:
        """Assets of the visits still to do that start before ``before`` (today's and
        tomorrow's work, and anything overdue): their evidence is fetched first."""
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT v.window_start, j.value FROM board_visits v, json_each(v.asset_ids) j "
                f"WHERE v.status IN ({','.join('?' * len(ACTIVE_STATUSES))})",
                ACTIVE_STATUSES,
            ).fetchall()
        near = set()
        for start, asset_id in rows:
            try:
                when = datetime.fromisoformat(str(start))
            except ValueError:
                continue
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            if when < before:
                near.add(str(asset_id))
        return sorted(near)

    def assets_with_telemetry(self, asset_ids: Sequence[str]) -> set[str]:
        """Those of ``asset_ids`` with any stored telemetry."""
        with self._db.read() as conn:
            stored = {r[0] for r in conn.execute("SELECT DISTINCT asset_id FROM telemetry_chunks")}
        return stored & set(asset_ids)

    def mark_telemetry_fetched(self, asset_ids: Sequence[str], bucket: int, until: float) -> None:
        with self._db.write() as conn:
            telemetry.mark_fetched(conn, asset_ids, bucket, until)

    def telemetry_fetched_until(self, bucket: int) -> dict[str, float]:
        with self._db.read() as conn:
            return telemetry.fetched_until(conn, bucket)

    def store_telemetry(
        self,
        bucket: int,
        *,
        asset_ids: Sequence[str],
        series: Sequence[SeriesColumns],
        replace_from: float,
        keep_from: float,
        until: float,
    ) -> None:
        with self._db.write() as conn:
            for s in series:
                fresh = TelemetryWindow(s.t, s.mean, s.min, s.max)
                telemetry.merge(
                    conn, s.asset_id, s.metric, bucket,
                    fresh=fresh, replace_from=replace_from, keep_from=keep_from,
                )
            telemetry.mark_fetched(conn, asset_ids, bucket, until)
        self._announce({("telemetry", a) for a in asset_ids})

    def forget_telemetry_except(self, asset_ids: set[str]) -> None:
        with self._db.write() as conn:
            telemetry.forget_except(conn, asset_ids)

    # --- status -------------------------------------------------------------------

    def record_attempt(self) -> None:
        with self._db.write() as conn:
            meta_set(conn, "last_attempt_at", utcnow().isoformat())

    def record_outcome(self, error: str | None, failure: str | None = None) -> None:
        """``error``: English, for the log; ``failure``: its code and parameters (JSON)."""
        with self._db.write() as conn:
            meta_set(conn, "last_error", error)
            meta_set(conn, "last_failure", failure if error is not None else None)
            if error is None:
                meta_set(conn, "last_sync_at", utcnow().isoformat())

    def meta(self, key: str) -> str | None:
        with self._db.read() as conn:
            return meta_get(conn, key)

    def set_meta(self, key: str, value: str | None) -> None:
        with self._db.write() as conn:
            meta_set(conn, key, value)


UNREADABLE_CODE = "unreadable_record"


def _note_set_aside(conn: sqlite3.Connection, set_aside: Sequence[SetAside]) -> None:
    now = utcnow().isoformat()
    for item in set_aside:
        change = item.change
        conn.execute(
            "INSERT OR REPLACE INTO rejected "
            "(op_id, entity, entity_id, payload, reason, code, made_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                f"pulled:{change.entity}:{change.id}:{change.version}",
                change.entity, change.id, jsonutil.dumps(change.data or {}),
                f"The office sent a {change.entity} this app cannot read ({item.problem}); "
                "it was set aside and the rest was synced. Update the app, or ask the office "
                "to correct the record.",
                UNREADABLE_CODE, now,
            ),
        )


def _new_urgent(conn: sqlite3.Connection, changes: Sequence[schemas.Change]) -> list[str]:
    urgent = [
        c.id for c in changes
        if c.entity == "visit" and c.data is not None and c.data.get("priority") == 1
        and c.data.get("status") in ACTIVE_STATUSES
    ]
    if not urgent:
        return []
    known = {
        r[0] for r in conn.execute(
            "SELECT id FROM records WHERE entity = 'visit' "
            f"AND id IN ({','.join('?' * len(urgent))})",
            urgent,
        )
    }
    return [i for i in urgent if i not in known]


def _drop_stale(conn: sqlite3.Connection, blocked: set[Key]) -> None:
    stale = conn.execute("SELECT entity, id FROM records WHERE stale = 1").fetchall()
    conn.executemany(
        "DELETE FROM records WHERE entity = ? AND id = ?",
        [(e, i) for e, i in stale if (e, i) not in blocked],
    )
    conn.execute("UPDATE records SET stale = 0")


def _acknowledge(conn: sqlite3.Connection, key: Key, result: schemas.MutationResult) -> None:
    if result.version is not None:
        outbox.rebase(conn, *key, result.version)
        if result.record is not None:
            records.set_server_copy(
                conn, key, result.version, jsonutil.dumps(result.record),
                keep_local=outbox.has_pending(conn, *key),
            )
    records.settle(conn, key)


def _conflict(conn: sqlite3.Connection, op: OutboxOp, result: schemas.MutationResult) -> None:
    key = (op.entity, op.entity_id)
    outbox.drop_unsent(conn, *key)
    server, version = result.record or {}, result.version or 0
    parked = conn.execute(
        "SELECT version, data FROM deferred WHERE entity = ? AND id = ?", key
    ).fetchone()
    if parked is not None and parked[1] is not None and parked[0] > version:
        server, version = jsonutil.loads(parked[1]), int(parked[0])
    conn.execute("DELETE FROM deferred WHERE entity = ? AND id = ? AND data IS NOT NULL", key)
    text = jsonutil.dumps(server)
    conn.execute(
        "INSERT OR REPLACE INTO conflicts (entity, entity_id, server, server_version, op_id, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (*key, text, version, op.op_id, utcnow().isoformat()),
    )
    conn.execute(
        "UPDATE records SET base = ?, version = ? WHERE entity = ? AND id = ?",
        (text, version, *key),
    )


def _reject(conn: sqlite3.Connection, op: OutboxOp, result: schemas.MutationResult) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO rejected "
        "(op_id, entity, entity_id, payload, reason, code, made_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            op.op_id, op.entity, op.entity_id, jsonutil.dumps(op.payload),
            result.reason or "The server refused this change.", result.code or "rejected",
            op.made_at.isoformat(),
        ),
    )
    records.settle(conn, (op.entity, op.entity_id))


def _still_shown(conn: sqlite3.Connection, entity: str, ident: str) -> bool:
    """A site or asset that a visit on this laptop still shows is kept."""
    if entity == "site":
        sql = ("SELECT 1 FROM records WHERE entity = 'visit' "
               "AND json_extract(data, '$.site_id') = ? LIMIT 1")
    elif entity == "asset":
        sql = ("SELECT 1 FROM records v, json_each(v.data, '$.asset_ids') a "
               "WHERE v.entity = 'visit' AND a.value = ? LIMIT 1")
    else:
        return False
    return conn.execute(sql, (ident,)).fetchone() is not None


def _forget_near_pull(conn: sqlite3.Connection) -> None:
    for key in ("near_window", "near_cursor", "near_skip"):
        meta_set(conn, key, None)


def _withdraw(
    conn: sqlite3.Connection, visit_id: str, reason: schemas.Withdrawal | None
) -> bool:
    """The office took a visit we hold off this technician (cancelled, reassigned, resolved
    remotely): keep it, with a ``withdrawn`` marker and the office's reason, rather than have
    it vanish. False if we never had it."""
    if conn.execute("SELECT 1 FROM records WHERE entity = 'visit' AND id = ?",
                    (visit_id,)).fetchone() is None:
        return False
    marker: dict[str, str] = {"visit_id": visit_id, "at": utcnow().isoformat()}
    if reason is not None:
        marker |= {"code": reason.code, "note": reason.note,
                   "withdrawn_at": reason.at.isoformat()}
    conn.execute(
        "INSERT INTO records (entity, id, version, data) VALUES ('withdrawn', ?, NULL, ?) "
        "ON CONFLICT (entity, id) DO UPDATE SET data = excluded.data",
        (visit_id, jsonutil.dumps(marker)))
    return True
