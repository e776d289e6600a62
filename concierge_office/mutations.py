# SPDX-License-Identifier: Apache-2.0
"""Applying one pushed mutation: exactly once, with its op record and change rows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Row, select, update

from concierge.domain import VisitStatus
from concierge.protocol import schemas
from concierge_office import db, field_help, records, serve, withdrawn_work
from concierge_office.auth import User
from concierge_office.changes import publish_own
from concierge_office.db import Database
from concierge_office.errors import ApiError
from concierge_office.fleet import visible_visit
from concierge_office.guard_tables import op_digests

_S = VisitStatus
TECHNICIAN_TRANSITIONS: dict[str, frozenset[str]] = {
    _S.PROPOSED: frozenset({_S.SCHEDULED, _S.IN_PROGRESS}),
    _S.SCHEDULED: frozenset({_S.IN_PROGRESS}),
    _S.IN_PROGRESS: frozenset({_S.SCHEDULED, _S.COMPLETED}),
    _S.COMPLETED: frozenset(),
    _S.CANCELLED: frozenset(),
}
_NOTES_LIMIT = 20_000


class Rejected(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Conflict(Exception):
    def __init__(self, version: int, record: dict[str, Any]) -> None:
        super().__init__("conflict")
        self.version = version
        self.record = record


def op_digest(m: schemas.Mutation) -> str:
    """What an op carries (not when it was sent): equal for a retry of the same op."""
    content = {"entity": m.entity, "entity_id": m.entity_id,
               "base_version": m.base_version, "payload": m.payload}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def refuse_reused_op_ids(
    conn: Connection, user: User, mutations: Sequence[schemas.Mutation]
) -> None:
    """409 if one of the user's op ids comes back with another change than it first
    carried (or twice in one request with different changes), before anything of the
    request is applied.  Someone else's op id stays a per-op refusal (``_replay``)."""
    digests: dict[str, str] = {}
    for m in mutations:
        op_id, digest = str(m.op_id), op_digest(m)
        if digests.setdefault(op_id, digest) != digest:
            raise _reused(op_id)
    d, o = op_digests, db.ops
    known = conn.execute(
        select(d.c.op_id, d.c.digest)
        .join(o, o.c.op_id == d.c.op_id)
        .where(d.c.op_id.in_(list(digests)), o.c.technician_id == user.id)
    )
    for op_id, digest in known:
        if digests[op_id] != digest:
            raise _reused(op_id)


def _reused(op_id: str) -> ApiError:
    return ApiError(
        409, "op_id_reused",
        f"The op id {op_id} was already used for a different change; nothing in this request "
        "was applied. Give every change its own op id.",
    )


def apply_mutation(
    database: Database, user: User, m: schemas.Mutation, now: float
) -> schemas.MutationResult:
    op_id = str(m.op_id)
    with database.write() as conn:
        seen = conn.execute(select(db.ops).where(db.ops.c.op_id == op_id)).first()
        if seen is not None:
            return _replay(conn, seen, user)
        try:
            result = _apply(database, conn, user, m, now)
        except Rejected as exc:
            result = schemas.MutationResult(
                op_id=m.op_id, status="rejected", reason=exc.reason, code=exc.code
            )
        except Conflict as exc:
            result = schemas.MutationResult(
                op_id=m.op_id,
                status="conflict",
                version=exc.version,
                record=exc.record,
                reason="The record changed since your version.",
                code="version_mismatch",
            )
        conn.execute(op_digests.insert().values(op_id=op_id, digest=op_digest(m)))
        conn.execute(
            db.ops.insert().values(
                op_id=op_id,
                technician_id=user.id,
                entity=m.entity,
                entity_id=m.entity_id,
                status=result.status,
                result=result.model_dump(mode="json"),
                deliveries=1,
                received_at=now,
            )
        )
        return result


def _replay(conn: Connection, seen: Row[Any], user: User) -> schemas.MutationResult:
    original = schemas.MutationResult.model_validate(seen.result)
    if seen.technician_id != user.id:
        return schemas.MutationResult(
            op_id=original.op_id,
            status="rejected",
            code="op_id_reused",
            reason="This op_id was already used by someone else; generate a new one.",
        )
    conn.execute(
        update(db.ops)
        .where(db.ops.c.op_id == seen.op_id)
        .values(deliveries=db.ops.c.deliveries + 1)
    )
    if original.status == "applied":
        return original.model_copy(update={"status": "duplicate"})
    return original


def _apply(
    database: Database, conn: Connection, user: User, m: schemas.Mutation, now: float
) -> schemas.MutationResult:
    if m.entity == "visit":
        withdrawn = _withdrawn_visit(conn, user, m.entity_id) if set(m.payload) <= {
            "status"} else None  # typed notes are refused as before: the laptop keeps them
        if withdrawn is not None:  # the office's decision stands; the session keeps the work
            withdrawal, row = withdrawn
            record = records.visit(conn, row).model_dump(mode="json")
            record["technician_id"] = user.id  # as they knew it: who has it now is not theirs
            return schemas.MutationResult(op_id=m.op_id, status="applied", version=row.version,
                                          record=record, code=schemas.WITHDRAWN,
                                          reason=withdrawn_work.reason(withdrawal))
        version, record = _apply_visit(database, conn, user, m, now)
        return schemas.MutationResult(op_id=m.op_id, status="applied", version=version,
                                      record=record)
    version, record, notice = _apply_session(database, conn, user, m, now)
    return schemas.MutationResult(op_id=m.op_id, status="applied", version=version,
                                  record=record, code=notice.code if notice else None,
                                  reason=notice.reason if notice else None)


@dataclass(frozen=True)
class Notice:
    """What the office did differently from what an applied change asked: its code, for the
    app, and a sentence, for the log."""

    code: str
    reason: str


# --- visits -------------------------------------------------------------------


def _visit_changes(payload: dict[str, Any]) -> dict[str, Any]:
    extra = sorted(set(payload) - schemas.VISIT_TECHNICIAN_FIELDS)
    if extra:
        raise Rejected("forbidden_field", f"Technicians cannot change {', '.join(extra)}.")
    if not payload:
        raise Rejected("invalid", "The payload changes nothing.")
    if "status" in payload and payload["status"] not in {s.value for s in VisitStatus}:
        raise Rejected("invalid", f"Unknown visit status {payload['status']!r}.")
    for name in ("technician_notes", "outcome"):
        if name not in payload:
            continue
        value = payload[name]
        if value is None and name == "outcome":
            continue
        if not isinstance(value, str) or len(value) > _NOTES_LIMIT:
            raise Rejected("invalid", f"{name} must be text of at most {_NOTES_LIMIT} characters.")
    return payload


def _withdrawn_visit(conn: Connection, user: User, visit_id: str) -> tuple[Any, Any] | None:
    """The office's withdrawal of a visit this technician had, and the visit (a status
    change, made by the session while it was theirs, is not applied but not refused
    either: the session carries the work)."""
    if visible_visit(conn, user, visit_id) is not None:
        return None
    withdrawal = withdrawn_work.withdrawal_of(conn, user.id, visit_id)
    row = records.get_row(conn, db.visits, visit_id) if withdrawal is not None else None
    return None if row is None else (withdrawal, row)


def _apply_visit(
    database: Database, conn: Connection, user: User, m: schemas.Mutation, now: float
) -> tuple[int, dict[str, Any]]:
    row = visible_visit(conn, user, m.entity_id)
    if row is None or row.technician_id != user.id:
        raise Rejected("not_found", f"No visit with id {m.entity_id!r}.")
    if m.base_version is None:
        raise Rejected("invalid", "Visits are created by the office, not from the field.")
    changes = _visit_changes(m.payload)
    if m.base_version != row.version:
        raise Conflict(row.version, records.visit(conn, row).model_dump(mode="json"))
    status = changes.get("status", row.status)
    if status != row.status and status not in TECHNICIAN_TRANSITIONS[row.status]:
        raise Rejected("invalid_transition", f"A visit cannot go from {row.status} to {status}.")
    version = row.version + 1
    v = db.visits
    conn.execute(
        update(v).where(v.c.id == row.id).values(**changes, version=version, updated_at=now)
    )
    publish_own(
        database, conn, user.id, ("visit", row.id), version, visible=True, op_id=str(m.op_id)
    )
    return version, _record(conn, "visit", row.id)


def _record(conn: Connection, entity: str, ident: str) -> dict[str, Any]:
    return records.load(conn, entity, [ident])[ident]


# --- sessions -----------------------------------------------------------------


def _session_record(
    user: User, m: schemas.Mutation, version: int, now: float
) -> schemas.SessionRecord:
    payload = dict(m.payload)
    for name, expected in (("id", m.entity_id), ("technician_id", user.id)):
        if payload.setdefault(name, expected) != expected:
            raise Rejected("invalid", f"{name} must be {expected!r}.")
    payload["version"] = version
    payload["updated_at"] = db.utc(now)
    try:
        return schemas.SessionRecord.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise Rejected("validation_error", f"The session is not valid: {problems}.") from exc


def _apply_session(
    database: Database, conn: Connection, user: User, m: schemas.Mutation, now: float
) -> tuple[int, dict[str, Any], Notice | None]:
    existing = records.get_row(conn, db.sessions, m.entity_id)
    if existing is not None and existing.technician_id != user.id:
        raise Rejected("not_found", f"No session with id {m.entity_id!r}.")
    if existing is None and m.base_version is not None:
        raise Rejected("not_found", f"No session with id {m.entity_id!r}.")
    version = 1 if existing is None else existing.version + 1
    record = _session_record(user, m, version, now)
    visit: Any = visible_visit(conn, user, record.visit_id)
    handed_over = False
    withdrawal = None
    if visit is None or visit.technician_id != user.id:
        # the visit was handed over at this technician's request, or the office withdrew
        # it (cancelled, reassigned, resolved remotely) when they may already have been on
        # site: their session (what they did, sent late) still reaches the office
        handed_over = existing is not None and field_help.handed_over(conn, existing.id,
                                                                      user.id)
        if not handed_over:
            withdrawal = withdrawn_work.withdrawal_of(conn, user.id, record.visit_id)
        row = (records.get_row(conn, db.visits, record.visit_id)
               if handed_over or withdrawal is not None else None)
        if row is None:  # never theirs: nothing to say about it
            raise Rejected("not_found", f"No visit with id {record.visit_id!r}.")
        visit = SimpleNamespace(**{**row._mapping, "technician_id": user.id})
    no_longer_theirs = handed_over or withdrawal is not None
    if existing is not None:
        if m.base_version != existing.version and not _only_office_answers_since(
                conn, existing.id, m.base_version):
            raise Conflict(existing.version, records.session(existing).model_dump(mode="json"))
        if existing.visit_id != record.visit_id:
            raise Rejected("invalid", "A session cannot move to another visit.")
    _check_attachments(conn, user, record.attachments)
    record = serve.keep_decisions(conn, record)  # the office's goodwill answers stand
    record = field_help.keep_answers(conn, record)  # and its answers to help requests
    notice = None
    if handed_over and record.status == "completed":
        # the visit is the colleague's to complete: the notes and report go with it to
        # them, and the session stays open (the laptop learns why from this answer)
        record = record.model_copy(update={"status": "in_progress", "completed_at": None})
        notice = Notice(schemas.HANDED_OVER, "The visit was handed over to a colleague "
                        "before this completion: the changes were kept for them; the session "
                        "was not completed.")
        field_help.note_completion_after_hand_over(conn, record.id, user.id, now)
    elif withdrawal is not None:
        # kept for the office (and whoever has the visit now), never completed: the
        # office withdrew the visit; the laptop learns why from this answer
        record = record.model_copy(update={"status": "in_progress", "completed_at": None})
        notice = Notice(schemas.WITHDRAWN, withdrawn_work.reason(withdrawal))
    if record.status == "completed" and record.completed_at is None:
        record = record.model_copy(update={"completed_at": db.utc(now)})
    conn.execute(database.upsert(db.sessions, ["id"]).values(**records.session_row(record)))
    op = str(m.op_id)
    publish_own(database, conn, user.id, ("session", record.id), version, visible=True, op_id=op)
    serve.sync_goodwill(conn, visit, record, now)  # requests beyond the contract
    field_help.sync_help(conn, visit, record, now)  # help from the field
    if record.status != "completed" or no_longer_theirs:  # the visit is not theirs now
        return version, record.model_dump(mode="json"), notice
    serve.open_for_session(database, conn, visit, record, now)  # follow-ups, call-backs
    changed: dict[str, Any] = {}
    if visit.status != VisitStatus.COMPLETED.value:
        changed["status"] = VisitStatus.COMPLETED.value
    outcome = record.data.get("outcome")
    if isinstance(outcome, str) and outcome.strip() and not (visit.outcome or "").strip():
        changed["outcome"] = outcome  # the session's outcome line fills an empty one
    if changed:
        v = db.visits
        conn.execute(
            update(v)
            .where(v.c.id == visit.id)
            .values(version=visit.version + 1, updated_at=now, **changed)
        )
        publish_own(
            database, conn, user.id, ("visit", visit.id), visit.version + 1, visible=True, op_id=op
        )
    return version, record.model_dump(mode="json"), None


def _only_office_answers_since(conn: Connection, session_id: str,
                               base_version: int | None) -> bool:
    """True when no device wrote the session since ``base_version``: the versions after it
    are the office's answers (goodwill decisions, help answers), which stand whatever the
    laptop sends, so changes made on the older version lose nothing and are no conflict."""
    if base_version is None:
        return False
    o = db.ops
    last = conn.execute(
        select(o.c.result).where(o.c.entity == "session", o.c.entity_id == session_id,
                                 o.c.status == "applied")
        .order_by(o.c.received_at.desc()).limit(1)).scalar()
    return isinstance(last, dict) and last.get("version") == base_version


def _check_attachments(conn: Connection, user: User, shas: list[str]) -> None:
    if not shas:
        return
    o = db.attachment_owners
    owned = set(
        conn.execute(
            select(o.c.sha256).where(o.c.user_id == user.id, o.c.sha256.in_(shas))
        ).scalars()
    )
    missing = [sha for sha in shas if sha not in owned]
    if missing:
        raise Rejected(
            "attachment_missing",
            f"Upload these attachments before the session: {', '.join(missing)}.",
        )
