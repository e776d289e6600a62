# SPDX-License-Identifier: Apache-2.0
"""Office endpoints (role admin): dispatch edits, engine runs, audits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select, update

from concierge.domain import VisitStatus
from concierge.protocol import schemas
from concierge_office import db, records
from concierge_office.auth import AdminUser
from concierge_office.changes import Withdrawal, publish_own, refresh_visibility, visit_refs
from concierge_office.client_view import ClientView
from concierge_office.errors import ERROR_RESPONSES, ApiError, StrictJSONRoute, not_found
from concierge_office.fleet import IdPath
from concierge_office.state import state_of

router = APIRouter(
    prefix="/v1/admin", tags=["admin"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES
)


@router.patch(
    "/visits/{visit_id}",
    response_model=schemas.Visit,
    responses={409: {"model": schemas.ErrorResponse, "description": "Version mismatch."}},
)
def patch_visit(
    visit_id: IdPath, body: schemas.VisitPatch, user: AdminUser, request: Request
) -> Response:
    """The visit as patched.  ``summary_code`` only to a client sending
    ``X-Sync-Features: text-codes``, as on the pull."""
    state = state_of(request)
    database = state.db
    changes = body.model_dump(exclude_none=True, exclude={"base_version", "withdrawal_note"})
    with database.write() as conn:
        row = records.get_row(conn, db.visits, visit_id)
        if row is None:
            raise not_found("visit", visit_id)
        if body.base_version is not None and body.base_version != row.version:
            raise ApiError(409, "version_mismatch", f"The visit is at version {row.version}.")
        if "technician_id" in changes:
            technician = conn.execute(
                select(db.users.c.role).where(db.users.c.id == changes["technician_id"])
            ).scalar_one_or_none()
            if technician != "technician":
                raise ApiError(
                    422, "unknown_technician", f"No technician {changes['technician_id']!r}."
                )
        for name in ("window_start", "window_end"):
            if name in changes:
                changes[name] = changes[name].timestamp()
        if changes.get("window_start", row.window_start) >= changes.get(
            "window_end", row.window_end
        ):
            raise ApiError(422, "invalid_window", "window_start must be before window_end.")
        version = row.version + 1
        conn.execute(
            update(db.visits)
            .where(db.visits.c.id == visit_id)
            .values(**changes, version=version, updated_at=state.clock.now())
        )
        new_tech = changes.get("technician_id", row.technician_id)
        visible = changes.get("status", row.status) != VisitStatus.CANCELLED.value
        note = body.withdrawal_note
        if note is None:
            note = changes.get("office_notes", row.office_notes)
        cancelled = Withdrawal("cancelled", note)
        publish_own(database, conn, new_tech, ("visit", visit_id), version, visible=visible,
                    withdrawal=cancelled)
        if new_tech != row.technician_id:
            publish_own(
                database, conn, row.technician_id, ("visit", visit_id), version, visible=False,
                withdrawal=cancelled if not visible else Withdrawal("reassigned", note),
            )
        refs = visit_refs(conn, [visit_id])
        for technician in {row.technician_id, new_tech}:
            refresh_visibility(database, conn, technician, refs)
        updated = records.get_row(conn, db.visits, visit_id)
        assert updated is not None
        patched = records.visit(conn, updated)
    return ClientView.of(request).response("visit", patched.model_dump(mode="json"))


@router.get("/day-status", response_model=list[schemas.TechnicianDayStatus])
def day_status(user: AdminUser, request: Request) -> list[schemas.TechnicianDayStatus]:
    """Every technician's latest day status (PUT /v1/me/day-status)."""
    with state_of(request).db.read() as conn:
        rows = conn.execute(
            select(db.meta.c.key, db.meta.c.value).where(db.meta.c.key.like("day_status:%"))
        ).all()
    return [schemas.TechnicianDayStatus(
        technician_id=key.split(":", 1)[1],
        report=schemas.DayStatusReport.model_validate_json(value)) for key, value in rows]


@router.post("/engine/run", response_model=schemas.EngineRun)
def run_engine(user: AdminUser, request: Request) -> schemas.EngineRun:
    state = state_of(request)
    return state.engine.run(state.clock.now())


@router.get("/sessions/{session_id}", response_model=schemas.SessionRecord)
def get_session(session_id: IdPath, user: AdminUser, request: Request) -> schemas.SessionRecord:
    with state_of(request).db.read() as conn:
        row = records.get_row(conn, db.sessions, session_id)
    if row is None:
        raise not_found("session", session_id)
    return records.session(row)


@router.get("/ops", response_model=schemas.OpsReport)
def list_ops(
    user: AdminUser,
    request: Request,
    technician: Annotated[str | None, Query(max_length=64)] = None,
) -> schemas.OpsReport:
    o, c = db.ops, db.changes
    applied = (
        select(func.count())
        .where(c.c.op_id == o.c.op_id, c.c.entity == o.c.entity, c.c.entity_id == o.c.entity_id)
        .scalar_subquery()
    )
    stmt = select(o, applied.label("applied_changes")).order_by(o.c.received_at, o.c.op_id)
    if technician is not None:
        stmt = stmt.where(o.c.technician_id == technician)
    with state_of(request).db.read() as conn:
        rows = conn.execute(stmt).all()
    return schemas.OpsReport(
        ops=[
            schemas.OpRecord(
                op_id=r.op_id,
                technician_id=r.technician_id,
                entity=r.entity,
                entity_id=r.entity_id,
                status=r.status,
                deliveries=r.deliveries,
                applied_changes=r.applied_changes,
            )
            for r in rows
        ]
    )


@router.get("/stats", response_model=schemas.BackOfficeStats)
def stats(user: AdminUser, request: Request) -> schemas.BackOfficeStats:
    tables = (
        db.users,
        db.sites,
        db.assets,
        db.telemetry,
        db.insights,
        db.visits,
        db.templates,
        db.sessions,
        db.attachments,
        db.ops,
        db.changes,
        db.feed,
    )
    with state_of(request).db.read() as conn:
        rows = {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in tables
        }
        last = int(conn.execute(select(func.max(db.changes.c.seq))).scalar_one() or 0)
    return schemas.BackOfficeStats(rows=rows, last_seq=last)
