# SPDX-License-Identifier: Apache-2.0
"""Work on a visit the office took off its technician (cancelled, reassigned, resolved
remotely): the technician may already have been on site, often offline. Their session is
kept for the office, never completed, and listed for the operators with whoever has the
visit now; a technician still cannot write to a visit that was never theirs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection, select

from concierge.domain import VisitStatus
from concierge.protocol import schemas
from concierge_office import db
from concierge_office.auth import AdminUser
from concierge_office.errors import ERROR_RESPONSES, StrictJSONRoute
from concierge_office.state import state_of

# a hand-over has its own path (field_help): the colleague's, asked for by the technician
OFFICE_WITHDRAWALS = frozenset(schemas.WITHDRAWAL_CODES - {schemas.HANDED_OVER})

_CANCELLED = VisitStatus.CANCELLED.value

router = APIRouter(
    prefix="/v1/admin", tags=["admin"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES
)


def withdrawal_of(conn: Connection, technician_id: str, visit_id: str) -> Any | None:
    """The office's withdrawal of this technician's visit (its row), if it took the visit
    off them; None for a visit that was never theirs (or handed over at their request)."""
    w = db.withdrawals
    return conn.execute(select(w).where(
        w.c.technician_id == technician_id, w.c.visit_id == visit_id,
        w.c.code.in_(sorted(OFFICE_WITHDRAWALS)))).first()


def reason(withdrawal: Any) -> str:
    """The push answer's sentence (for the log; the laptop shows its own words)."""
    return (f"The office withdrew this visit ({withdrawal.code}) before this change: the "
            "session was kept for the office, not completed.")


@router.get("/withdrawn-work", response_model=list[schemas.WithdrawnWork])
def withdrawn_work(
    user: AdminUser,
    request: Request,
    visit_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[schemas.WithdrawnWork]:
    """Sessions that technicians sent for visits the office had taken off them, newest
    first, with the withdrawal and whoever has the visit now (the session itself:
    ``GET /v1/admin/sessions/{session_id}``)."""
    w, s, v = db.withdrawals, db.sessions, db.visits
    stmt = (select(s.c.id, s.c.visit_id, s.c.technician_id, s.c.status, s.c.updated_at,
                   w.c.code, w.c.note, w.c.at, v.c.status.label("visit_status"),
                   v.c.technician_id.label("owner"))
            .join(w, (w.c.technician_id == s.c.technician_id) & (w.c.visit_id == s.c.visit_id))
            .join(v, v.c.id == s.c.visit_id)
            .where(w.c.code.in_(sorted(OFFICE_WITHDRAWALS)),
                   (v.c.technician_id != s.c.technician_id) | (v.c.status == _CANCELLED))
            .order_by(s.c.updated_at.desc()))
    if visit_id is not None:
        stmt = stmt.where(s.c.visit_id == visit_id)
    with state_of(request).db.read() as conn:
        rows = conn.execute(stmt).all()
    return [schemas.WithdrawnWork(
        session_id=r.id, visit_id=r.visit_id, technician_id=r.technician_id,
        withdrawal=schemas.Withdrawal(code=r.code, note=r.note,
                                      at=datetime.fromtimestamp(r.at, UTC)),
        visit_status=r.visit_status,
        owner_id=None if r.visit_status == _CANCELLED else r.owner,
        session_status=r.status, updated_at=datetime.fromtimestamp(r.updated_at, UTC))
        for r in rows]
