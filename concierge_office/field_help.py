# SPDX-License-Identifier: Apache-2.0
"""Help from the field (#19.4): a technician asks for a colleague's remote assistance, an
expert, or a hand-over of the visit (with a note and a reason). The request rides in the
session document (outbox, idempotent ops, no loss under kill -9, like goodwill); the office
tracks it here and answers once; the answer rides back in the session at the next pull.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import JSON, Column, Connection, Float, Integer, String, Table, Text, select, update

from concierge.session.model import HelpRequest
from concierge_office.db import metadata, utc

ANSWERED = frozenset({"accepted", "declined"})

help_requests = Table(
    "help_requests",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("request_id", String(64), nullable=False),
    Column("session_id", String(64), nullable=False, index=True),
    Column("visit_id", String(64), nullable=False),
    Column("site_id", String(64), nullable=False),
    Column("technician_id", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("note", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("answer", Text, nullable=False),
    Column("helper", String(64)),
    Column("answered_by", String(64)),
    Column("asked_at", Float, nullable=False),
    Column("history", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", Float, nullable=False),
)


def sync_help(conn: Connection, visit: Any, session: Any, now: float) -> None:
    """Keep the office's copy of the session's help requests (an answer stands)."""
    data = session.data if isinstance(session.data, dict) else {}
    h = help_requests
    raws = data.get("help")
    for raw in raws if isinstance(raws, list) else []:
        try:
            item = HelpRequest.model_validate(raw)
        except ValidationError:
            continue  # the laptop validates its own; a bad item waits
        key = f"{session.id}:{item.id}"[:200]
        row = conn.execute(select(h).where(h.c.id == key)).first()
        fields = {"kind": item.kind, "note": item.note[:2000], "reason": item.reason[:2000],
                  "asked_at": item.at.timestamp(), "updated_at": now}
        if row is None:
            conn.execute(h.insert().values(
                id=key, request_id=item.id, session_id=session.id, visit_id=visit.id,
                site_id=visit.site_id, technician_id=visit.technician_id, status="pending",
                answer="", helper=None, answered_by=None, version=1,
                history=[{"at": now, "by": visit.technician_id, "status": "pending",
                          "note": "asked from the field"}], **fields))
        elif row.status not in ANSWERED:
            conn.execute(update(h).where(h.c.id == key).values(**fields))


def keep_answers(conn: Connection, session: Any) -> Any:
    """The session as pushed, with the office's answers to its help requests kept."""
    data = session.data if isinstance(session.data, dict) else {}
    items = data.get("help")
    if not isinstance(items, list) or not items:
        return session
    h = help_requests
    answered = {r.request_id: r for r in conn.execute(
        select(h).where(h.c.session_id == session.id, h.c.status.in_(ANSWERED))).all()}
    if not answered:
        return session
    kept = [answer_fields(conn, item, answered[item["id"]])
            if isinstance(item, dict) and item.get("id") in answered else item
            for item in items]
    return session.model_copy(update={"data": {**data, "help": kept}})


def answer_fields(conn: Connection, item: dict[str, Any], row: Any) -> dict[str, Any]:
    """A session's help item with the office's answer; ``helper`` as the technician sees
    it: the colleague's name, not their account id."""
    return {**item, "status": row.status, "answer": row.answer,
            "helper": helper_name(conn, row.helper), "answered_at": _answered_at(row)}


def _answered_at(row: Any) -> str | None:
    """When the office answered: its answer's entry in the request's history."""
    at = next((entry.get("at") for entry in row.history or []
               if isinstance(entry, dict) and entry.get("status") in ANSWERED), None)
    return utc(at).isoformat() if isinstance(at, int | float) else None


def helper_name(conn: Connection, user_id: str | None) -> str:
    from concierge_office import db

    if not user_id:
        return ""
    name = conn.execute(select(db.users.c.name).where(db.users.c.id == user_id)).scalar()
    return str(name or user_id)


def handed_over(conn: Connection, session_id: str, technician_id: str) -> bool:
    """True when the office accepted this technician's hand-over of the session's visit:
    the session stays theirs, and what they changed in it still reaches the office."""
    h = help_requests
    return conn.execute(select(h.c.id).where(
        h.c.session_id == session_id, h.c.technician_id == technician_id,
        h.c.kind == "handover", h.c.status == "accepted").limit(1)).first() is not None


def note_completion_after_hand_over(conn: Connection, session_id: str, technician_id: str,
                                    now: float) -> None:
    """Tell the office, in the accepted hand-over's history, that the asking technician
    completed the session after it (offline): kept for the colleague, not completed."""
    h = help_requests
    note = ("completed after the hand-over (offline): the changes are kept for the "
            "colleague; the session and visit stay open")
    for row in conn.execute(select(h).where(
            h.c.session_id == session_id, h.c.technician_id == technician_id,
            h.c.kind == "handover", h.c.status == "accepted")).all():
        if row.history and row.history[-1].get("note") == note:
            continue  # told once
        conn.execute(update(h).where(h.c.id == row.id).values(
            version=row.version + 1, updated_at=now, history=[*row.history, {
                "at": now, "by": technician_id, "status": row.status, "note": note}]))


def help_out(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "request_id": row.request_id, "session_id": row.session_id,
        "visit_id": row.visit_id, "site_id": row.site_id, "technician_id": row.technician_id,
        "kind": row.kind, "note": row.note, "reason": row.reason, "status": row.status,
        "answer": row.answer, "helper": row.helper, "answered_by": row.answered_by,
        "asked_at": utc(row.asked_at), "history": row.history, "version": row.version,
        "updated_at": utc(row.updated_at),
    }


def reassign_visit(database: Any, conn: Connection, visit: Any, technician: str,
                   now: float, *, note: str = "") -> None:
    """Move a visit to another technician (an accepted hand-over): the new one gets it and
    what it references at their next sync, the old one a withdrawal saying it was handed
    over (with the office's ``note``), so their laptop shows it so, not as open work."""
    from concierge.protocol.schemas import HANDED_OVER
    from concierge_office import db
    from concierge_office.changes import (
        Withdrawal,
        publish_own,
        refresh_visibility,
        visit_refs,
    )

    version = visit.version + 1
    conn.execute(update(db.visits).where(db.visits.c.id == visit.id).values(
        technician_id=technician, version=version, updated_at=now))
    publish_own(database, conn, technician, ("visit", visit.id), version, visible=True)
    publish_own(database, conn, visit.technician_id, ("visit", visit.id), version,
                visible=False, withdrawal=Withdrawal(HANDED_OVER, note))
    refs = visit_refs(conn, [visit.id])
    for who in (visit.technician_id, technician):
        refresh_visibility(database, conn, who, refs)


def answer_in_session(database: Any, conn: Connection, row: Any, now: float) -> None:
    """Write the office's answer into the session, so the next pull brings it to the
    laptop that asked."""
    from concierge_office import db, records
    from concierge_office.changes import publish_own

    session = records.get_row(conn, db.sessions, row.session_id)
    if session is None:
        return
    data = dict(session.data)
    data["help"] = [answer_fields(conn, item, row)
                    if isinstance(item, dict) and item.get("id") == row.request_id else item
                    for item in data.get("help") or []]
    version = session.version + 1
    conn.execute(update(db.sessions).where(db.sessions.c.id == session.id).values(
        data=data, version=version, updated_at=now))
    publish_own(database, conn, session.technician_id, ("session", session.id), version,
                visible=True)
