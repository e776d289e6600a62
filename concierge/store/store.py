# SPDX-License-Identifier: Apache-2.0
"""The laptop's offline store: what a visit needs offline, local changes and their outbox.

Safe to use from several threads (one SQLite connection per thread, WAL: reads never
wait for a running sync).  Every local change is committed with its outbox entry.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from concierge.domain import AssetKind
from concierge.protocol import schemas
from concierge.store import attachments, jsonutil, outbox, records, telemetry, writer_lock
from concierge.store.board import SyncStatus, VisitRow, board_rows, meta_get, sync_status
from concierge.store.clock import from_iso, utcnow
from concierge.store.db import AttachmentRefused, Database, StoreItemMissing, StoreRefusal
from concierge.store.models import (
    ConflictRow,
    RejectedOp,
    StoreChange,
    StoreEvents,
    TelemetryWindow,
    WithdrawnVisit,
)
from concierge.store.records import Key
from concierge.store.replication import Replication, meta_set
from concierge.store.salvage import SalvageReport, salvage

SESSION_FIELDS = ("status", "step", "data", "attachments", "started_at", "completed_at")
"""Session fields a technician changes (the payload also names the visit)."""

Choice = Literal["mine", "theirs", "merge"]


class Store:
    def __init__(self, db: Database, attachments_dir: Path) -> None:
        self._db = db
        self._attachments = attachments_dir
        self._writer_lock: Path | None = None
        self.events = StoreEvents()
        self.replication = Replication(db, attachments_dir, self._announce)

    @classmethod
    def open(cls, path: Path, attachments_dir: Path, *, exclusive: bool = False) -> Store:
        """Open (or create) the store.  A damaged file raises ``CorruptStoreError`` after
        being moved aside unchanged; ``recover`` then salvages it into a fresh store.

        ``exclusive``: as the technician's one writer (the app, sign-in and sign-out);
        another process asking for that is refused (``StoreInUse``) while this is open.
        Syncs take turns through the sync lock instead, and may run beside the app."""
        attachments_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not exclusive:
            return cls(Database(path), attachments_dir)
        lock = writer_lock.acquire(path)
        try:
            store = cls(Database(path), attachments_dir)
        except BaseException:
            writer_lock.release(lock)
            raise
        store._writer_lock = lock
        return store

    @classmethod
    def recover(
        cls, path: Path, attachments_dir: Path, kept_as: Path, *, exclusive: bool = False
    ) -> tuple[Store, SalvageReport]:
        """A fresh store at ``path`` holding what the damaged ``kept_as`` still yields:
        the account, unsent changes (same op ids), session drafts, attachments."""
        store = cls.open(path, attachments_dir, exclusive=exclusive)
        try:
            report = salvage(kept_as, store._db, attachments_dir)
        except BaseException:
            store.close()
            raise
        store._announce({("store", "*")})
        return store, report

    @property
    def path(self) -> Path:
        """The SQLite file (its folder is the data folder)."""
        return self._db.path

    def close(self) -> None:
        self._db.close()
        lock, self._writer_lock = self._writer_lock, None
        if lock is not None:
            writer_lock.release(lock)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- reads ----------------------------------------------------------------------

    def visit_rows(self) -> list[VisitRow]:
        """The board, by priority then window (see ``concierge.store.board``)."""
        with self._db.read() as conn:
            return board_rows(conn)

    def visit(self, visit_id: str) -> schemas.Visit | None:
        data = self._data("visit", visit_id)
        return None if data is None else schemas.Visit.model_validate_json(data)

    def site(self, site_id: str) -> schemas.Site | None:
        data = self._data("site", site_id)
        return None if data is None else schemas.Site.model_validate_json(data)

    def assets_for_visit(self, visit_id: str) -> list[schemas.Asset]:
        visit = self.visit(visit_id)
        if visit is None:
            return []
        found = self._many("asset", visit.asset_ids)
        return [schemas.Asset.model_validate_json(found[i]) for i in visit.asset_ids if i in found]

    def insights_for_visit(self, visit_id: str) -> list[schemas.Insight]:
        visit = self.visit(visit_id)
        if visit is None:
            return []
        found = self._many("insight", visit.insight_ids)
        return [
            schemas.Insight.model_validate_json(found[i]) for i in visit.insight_ids if i in found
        ]

    def remote_fixes(
        self, now: float | None = None, days: float = 90.0
    ) -> list[tuple[schemas.Site, schemas.RemoteAttempt, schemas.Asset | None]]:
        """What the office resolved behind the scenes at the technician's customers (the
        sites the sync brought) in the last ``days``, newest first, with the asset if it is
        on this laptop."""
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT data FROM records WHERE entity = 'site' "
                "AND json_array_length(data, '$.remote_fixes') > 0"
            ).fetchall()
        sites = [schemas.Site.model_validate_json(data) for (data,) in rows]
        since = (time.time() if now is None else now) - days * 86_400
        fixes = [
            (site, fix)
            for site in sites
            for fix in site.remote_fixes
            if (fix.concluded_at or fix.decided_at).timestamp() >= since
        ]
        assets = self._many("asset", sorted({fix.asset_id for _site, fix in fixes}))
        found = [
            (site, fix, schemas.Asset.model_validate_json(assets[fix.asset_id])
             if fix.asset_id in assets else None)
            for site, fix in fixes
        ]
        return sorted(found, key=lambda f: f[1].concluded_at or f[1].decided_at, reverse=True)

    def site_history(self, site_id: str, exclude_visit: str | None = None) -> list[schemas.Visit]:
        """The site's visits, newest window first."""
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT id, data FROM records WHERE entity = 'visit' "
                "AND json_extract(data, '$.site_id') = ?",
                (site_id,),
            ).fetchall()
        visits = [schemas.Visit.model_validate_json(d) for i, d in rows if i != exclude_visit]
        return sorted(visits, key=lambda v: v.window_start, reverse=True)

    def template_for(self, kind: AssetKind | str) -> schemas.ChecklistTemplate | None:
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT data FROM records WHERE entity = 'template' "
                "AND json_extract(data, '$.asset_kind') = ? ORDER BY id LIMIT 1",
                (str(kind),),
            ).fetchone()
        return None if row is None else schemas.ChecklistTemplate.model_validate_json(row[0])

    def telemetry(
        self, asset_id: str, metric: str, start: float | None = None, end: float | None = None
    ) -> TelemetryWindow:
        with self._db.read() as conn:
            return telemetry.window(conn, asset_id, metric, start, end)

    def metrics_for_asset(self, asset_id: str) -> list[str]:
        with self._db.read() as conn:
            return telemetry.metrics(conn, asset_id)

    def office_notes(self) -> dict[str, str]:
        """The office's notes per visit, where there are any (for the board's marks)."""
        with self._db.read() as conn:
            return {r[0]: r[1] for r in conn.execute(
                "SELECT id, data ->> '$.office_notes' FROM records WHERE entity = 'visit' "
                "AND COALESCE(data ->> '$.office_notes', '') != ''")}

    def withdrawn_visits(self) -> dict[str, WithdrawnVisit]:
        """Visits the office took off this technician (cancelled, reassigned, resolved
        remotely), kept here, with the office's reason where it sent one."""
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT w.id, w.data FROM records w JOIN records v ON v.entity = 'visit' "
                "AND v.id = w.id WHERE w.entity = 'withdrawn'").fetchall()
        return {str(ident): _withdrawn(str(ident), data) for ident, data in rows}

    def status(self) -> SyncStatus:
        with self._db.read() as conn:
            return sync_status(conn)

    def conflicts(self) -> list[ConflictRow]:
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT c.id, c.entity, c.entity_id, r.data, c.server, c.created_at "
                "FROM conflicts c LEFT JOIN records r "
                "ON r.entity = c.entity AND r.id = c.entity_id ORDER BY c.id"
            ).fetchall()
        result = []
        for cid, entity, entity_id, local_text, server_text, created in rows:
            local = jsonutil.loads(local_text) if local_text else {}
            server = jsonutil.loads(server_text)
            differing = [f for f in _fields(entity) if local.get(f) != server.get(f)]
            result.append(
                ConflictRow(cid, entity, entity_id, local, server, differing,
                            datetime.fromisoformat(created))
            )
        return result

    def rejected_ops(self) -> list[RejectedOp]:
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT op_id, entity, entity_id, payload, reason, code, made_at FROM rejected "
                "ORDER BY made_at"
            ).fetchall()
        return [
            RejectedOp(o, e, i, jsonutil.loads(p), r, c, datetime.fromisoformat(m))
            for o, e, i, p, r, c, m in rows
        ]

    # --- local changes -----------------------------------------------------------------

    def update_visit(self, visit_id: str, **fields: Any) -> None:
        """Change technician fields of a visit (queued for the server in the same commit)."""
        unknown = set(fields) - schemas.VISIT_TECHNICIAN_FIELDS
        if unknown:
            raise StoreRefusal("store_change_refused",
                               f"A technician cannot change {', '.join(sorted(unknown))}.")
        key = ("visit", visit_id)
        with self._db.write() as conn:
            current = _load(conn, key)
            if current is None:
                raise StoreItemMissing(f"No visit {visit_id!r} in the local store.")
            view = _validated(schemas.Visit, {**current, **fields})
            changes = {k: view[k] for k in fields if current.get(k) != view[k]}
            for name, value in changes.items():
                jsonutil.check_storable(jsonutil.dumps(value), value, name)
            if not changes:
                return
            base = records.local_change(conn, key, view)
            if not _in_conflict(conn, key):
                outbox.enqueue(conn, *key, base_version=base, payload=changes, made_at=utcnow())
        self._announce({key})

    def load_session(self, visit_id: str) -> dict[str, Any] | None:
        """The visit's latest session: id, visit_id, status, step, data, attachments,
        started_at, completed_at (aware datetimes) and version (0 before the server has it)."""
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT data, version FROM records WHERE entity = 'session' "
                "AND json_extract(data, '$.visit_id') = ? "
                "ORDER BY json_extract(data, '$.started_at') DESC LIMIT 1",
                (visit_id,),
            ).fetchone()
        if row is None:
            return None
        data = jsonutil.loads(row[0])
        return {
            "id": data["id"], "visit_id": data["visit_id"], "status": data["status"],
            "step": data["step"], "data": data["data"], "attachments": data["attachments"],
            "started_at": datetime.fromisoformat(data["started_at"]),
            "completed_at": from_iso(data.get("completed_at")),
            "version": row[1] or 0,
        }

    def session_items(self, field: str) -> list[tuple[str, list[Any]]]:
        """Per session: its visit and the list ``data.<field>`` of its document (e.g. the
        help requests), for the sessions that have one."""
        path = f"$.data.{field}"
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT json_extract(data, '$.visit_id'), json_extract(data, ?) FROM records "
                "WHERE entity = 'session' AND json_type(data, ?) = 'array'",
                (path, path),
            ).fetchall()
        return [(str(visit_id), jsonutil.loads(items)) for visit_id, items in rows]

    def save_session(self, record: dict[str, Any]) -> None:
        """Upsert a session; its unsent op is updated in place (one pending op per session).

        The session document (``data``, the bulk of an autosave) is serialised once, for
        both the record and its outbox payload, and not round-tripped through pydantic:
        it only has to be a JSON object.  In-progress autosaves commit without waiting
        for the disk (see ``Database.write``); completing a session is durable.
        """
        key = ("session", str(record["id"]))
        now = utcnow()
        document = record.get("data")
        if not isinstance(document, dict):
            raise StoreRefusal("store_invalid_data",
                               "Invalid SessionRecord: data: Input should be a valid dictionary")
        document_text = jsonutil.dumps(document)
        jsonutil.check_storable(document_text, document, "data")
        step = record.get("step")
        jsonutil.check_storable(jsonutil.dumps(step), step, "step")
        durable = record.get("status") != "in_progress"
        with self._db.write(durable=durable) as conn:
            user = meta_get(conn, "account")
            technician = jsonutil.loads(user)["user"]["id"] if user else "local"
            version_row = conn.execute(
                "SELECT version FROM records WHERE entity = 'session' AND id = ?", (key[1],)
            ).fetchone()
            view = _validated(schemas.SessionRecord, {
                "id": key[1], "visit_id": record["visit_id"], "technician_id": technician,
                **{f: record.get(f) for f in SESSION_FIELDS}, "data": {},
                "version": (version_row[0] if version_row else None) or 1,
                "updated_at": now,
            })
            encoded = {"data": document_text}
            base = records.local_change(conn, key, jsonutil.dumps_object(view, encoded))
            if not _in_conflict(conn, key):
                payload = jsonutil.dumps_object(_session_payload(view), encoded)
                if not outbox.coalesce(conn, *key, payload, now):
                    outbox.enqueue(conn, *key, base_version=base, payload=payload, made_at=now)
            changed = {key}
            visit_id = str(record["visit_id"])
            if record.get("status") == "completed" and _mirror_completion(conn, visit_id, document):
                changed.add(("visit", visit_id))
        self._announce(changed)

    def add_attachment(self, content: bytes, content_type: str, filename: str = "") -> str:
        """Keep a file for upload; returns its SHA-256 (same content, same id)."""
        if content_type not in schemas.ATTACHMENT_CONTENT_TYPES:
            raise AttachmentRefused("attachment_type_refused", content_type=content_type)
        if len(content) > schemas.MAX_ATTACHMENT_BYTES:
            raise AttachmentRefused("attachment_too_large",
                                    limit=schemas.MAX_ATTACHMENT_BYTES // (1024 * 1024))
        sha = attachments.write(self._attachments, content)
        with self._db.write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO attachments (sha256, content_type, size, filename) "
                "VALUES (?, ?, ?, ?)",
                (sha, content_type, len(content), filename),
            )
        return sha

    def attachment_path(self, sha256: str) -> Path:
        return attachments.path_for(self._attachments, sha256)

    # --- needs attention ------------------------------------------------------------------

    def resolve_conflict(
        self, conflict_id: int, choice: Choice, merged: dict[str, Any] | None = None
    ) -> None:
        """Keep mine / take the office's / merge; mine and merge queue a change on the
        server's version."""
        with self._db.write() as conn:
            row = conn.execute(
                "SELECT entity, entity_id, server, server_version FROM conflicts WHERE id = ?",
                (conflict_id,),
            ).fetchone()
            if row is None:
                raise StoreItemMissing(f"No conflict {conflict_id}.")
            entity, entity_id, server_text, version = row
            key: Key = (entity, entity_id)
            server = jsonutil.loads(server_text)
            local = _load(conn, key) or {}
            conn.execute("DELETE FROM conflicts WHERE id = ?", (conflict_id,))
            chosen = _chosen(entity, choice, local, server, merged)
            if chosen is None:
                records.set_server_copy(conn, key, version, server_text, keep_local=False)
                records.settle(conn, key)
            else:
                model = schemas.Visit if entity == "visit" else schemas.SessionRecord
                view = _validated(model, {**server, **chosen})
                conn.execute(
                    "UPDATE records SET data = ?, base = ?, version = ? "
                    "WHERE entity = ? AND id = ?",
                    (jsonutil.dumps(view), server_text, version, *key),
                )
                payload = chosen if entity == "visit" else _session_payload(view)
                outbox.enqueue(
                    conn, *key, base_version=version, payload=payload, made_at=utcnow()
                )
        self._announce({key})

    def dismiss_rejected(self, op_id: str) -> None:
        with self._db.write() as conn:
            conn.execute("DELETE FROM rejected WHERE op_id = ?", (op_id,))
        self._announce({("rejected", op_id)})

    # --- account ----------------------------------------------------------------------

    def account(self) -> tuple[str, schemas.UserInfo] | None:
        """(server URL, user) of the signed-in account whose data this store holds."""
        with self._db.read() as conn:
            text = meta_get(conn, "account")
        if text is None:
            return None
        info = jsonutil.loads(text)
        return info["server_url"], schemas.UserInfo.model_validate(info["user"])

    def set_account(self, server_url: str, user: schemas.UserInfo) -> None:
        with self._db.write() as conn:
            meta_set(conn, "account", jsonutil.dumps(
                {"server_url": server_url, "user": user.model_dump(mode="json")}
            ))

    def wipe(self) -> None:
        """Forget everything: records, outbox, conflicts, telemetry, attachments, account."""
        with self._db.write() as conn:
            for table in ("meta", "records", "outbox", "deferred", "conflicts", "rejected",
                          "attachments", "telemetry_chunks", "telemetry_fetched"):
                conn.execute(f"DELETE FROM {table}")
        shutil.rmtree(self._attachments, ignore_errors=True)
        self._attachments.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._announce({("store", "*")})

    # --- helpers ----------------------------------------------------------------------

    def _data(self, entity: str, ident: str) -> str | None:
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT data FROM records WHERE entity = ? AND id = ?", (entity, ident)
            ).fetchone()
        return None if row is None else str(row[0])

    def _many(self, entity: str, ids: list[str]) -> dict[str, str]:
        if not ids:
            return {}
        with self._db.read() as conn:
            rows = conn.execute(
                f"SELECT id, data FROM records WHERE entity = ? AND id IN "
                f"({','.join('?' * len(ids))})",
                (entity, *ids),
            ).fetchall()
        return dict(rows)

    def _announce(self, keys: set[Key]) -> None:
        if keys:
            self.events.changed.emit(
                StoreChange(frozenset(e for e, _ in keys), frozenset(i for _, i in keys))
            )


def _load(conn: sqlite3.Connection, key: Key) -> dict[str, Any] | None:
    row = conn.execute("SELECT data FROM records WHERE entity = ? AND id = ?", key).fetchone()
    return None if row is None else dict(jsonutil.loads(row[0]))


def _in_conflict(conn: sqlite3.Connection, key: Key) -> bool:
    row = conn.execute(
        "SELECT 1 FROM conflicts WHERE entity = ? AND entity_id = ?", key
    ).fetchone()
    return row is not None


def _fields(entity: str) -> tuple[str, ...]:
    return tuple(sorted(schemas.VISIT_TECHNICIAN_FIELDS)) if entity == "visit" else SESSION_FIELDS


def _chosen(
    entity: str,
    choice: Choice,
    local: dict[str, Any],
    server: dict[str, Any],
    merged: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """The fields to send on top of the server's version (None: take the server's)."""
    fields = _fields(entity)
    if choice == "theirs":
        return None
    if choice == "mine":
        picked = {f: local[f] for f in fields if f in local}
    elif choice == "merge":
        if merged is None:
            raise StoreRefusal("store_change_refused", "A merge needs the merged fields.")
        unknown = set(merged) - set(fields)
        if unknown:
            raise StoreRefusal("store_change_refused",
                               f"These fields cannot be merged: {', '.join(sorted(unknown))}.")
        picked = dict(merged)
    else:
        raise StoreRefusal("store_change_refused", f"Unknown choice {choice!r}.")
    changes = {f: v for f, v in picked.items() if server.get(f) != v}
    return changes or None


def _validated(model: type[schemas.Schema], data: dict[str, Any]) -> dict[str, Any]:
    try:
        return model.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
        )
        raise StoreRefusal("store_invalid_data", f"Invalid {model.__name__}: {problems}") from exc


def _session_payload(view: dict[str, Any]) -> dict[str, Any]:
    return {"visit_id": view["visit_id"], **{f: view[f] for f in SESSION_FIELDS}}


def _mirror_completion(conn: sqlite3.Connection, visit_id: str, document: dict[str, Any]) -> bool:
    """Show locally what the office derives from a completed session: the visit is
    completed and, if it has none, takes the session's outcome line.  No outbox entry:
    the session op carries it, and the office's record replaces this view on the next pull.
    """
    outcome = document.get("outcome")
    cursor = conn.execute(
        "UPDATE records SET data = json_set(data, '$.status', 'completed', '$.outcome', "
        "CASE WHEN COALESCE(json_extract(data, '$.outcome'), '') = '' AND ? IS NOT NULL "
        "THEN ? ELSE json_extract(data, '$.outcome') END) "
        "WHERE entity = 'visit' AND id = ? AND json_extract(data, '$.status') != 'completed'",
        (outcome if isinstance(outcome, str) and outcome else None,) * 2 + (visit_id,),
    )
    return cursor.rowcount > 0


def _withdrawn(visit_id: str, data: str | None) -> WithdrawnVisit:
    """The ``withdrawn`` marker's reason (an older marker has only the time it was noted)."""
    marker = jsonutil.loads(data) if data else {}
    if not isinstance(marker, dict):
        marker = {}
    code, note = marker.get("code"), marker.get("note")
    return WithdrawnVisit(
        visit_id=visit_id,
        code=code if isinstance(code, str) and code else None,
        note=note if isinstance(note, str) else "",
        at=_moment(marker.get("withdrawn_at") or marker.get("at")),
    )


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return from_iso(value)
    except ValueError:
        return None
