# SPDX-License-Identifier: Apache-2.0
"""Endpoints of the tracked items (#19): the office lists and works them; a technician sees
the items of their own visits only."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import Connection, Table, select, update

from concierge.domain import VisitStatus
from concierge.protocol import schemas
from concierge_office import db, records
from concierge_office.auth import AdminUser, CurrentUser
from concierge_office.changes import publish_own, record_change
from concierge_office.db import utc
from concierge_office.errors import ERROR_RESPONSES, ApiError, StrictJSONRoute, not_found
from concierge_office.field_help import (
    answer_in_session,
    help_out,
    help_requests,
    reassign_visit,
)
from concierge_office.serve import (
    check_held,
    delight_rows,
    goodwill_out,
    goodwill_requests,
    held_checks,
    serve_tasks,
    task_out,
    technician_load,
)
from concierge_office.state import state_of

router = APIRouter(tags=["serve"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)
TaskId = Annotated[str, Path(min_length=1, max_length=200)]


LISTED = 1000  # items per listing, oldest first


def _rows(request: Request, table: Table, order: str, **equal: str | None) -> list[Any]:
    """``table``'s rows in ``order`` (then id), filtered by the given columns (None: any)."""
    query = select(table).order_by(table.c[order], table.c.id)
    for name, value in equal.items():
        if value is not None:
            query = query.where(table.c[name] == value)
    with state_of(request).db.read() as conn:
        return list(conn.execute(query.limit(LISTED)).all())


def _list(request: Request, technician: str | None, kind: str | None, status: str | None,
          site_id: str | None) -> list[schemas.ServeTask]:
    rows = _rows(request, serve_tasks, "due_at", technician_id=technician, kind=kind,
                 status=status, site_id=site_id)
    return [schemas.ServeTask.model_validate(task_out(r)) for r in rows]


Kind = Annotated[Literal["wish_follow_up", "call_back", "praise"] | None, Query()]
Status = Annotated[Literal["open", "in_progress", "done", "cancelled"] | None, Query()]


@router.get("/v1/admin/serve/tasks", response_model=list[schemas.ServeTask])
def admin_tasks(user: AdminUser, request: Request, kind: Kind = None, status: Status = None,
                site_id: Annotated[str | None, Query(max_length=64)] = None
                ) -> list[schemas.ServeTask]:
    """Every follow-up and call-back, soonest due first."""
    return _list(request, None, kind, status, site_id)


@router.get("/v1/serve/tasks", response_model=list[schemas.ServeTask])
def my_tasks(user: CurrentUser, request: Request, kind: Kind = None, status: Status = None
             ) -> list[schemas.ServeTask]:
    """The items of the caller's own visits."""
    return _list(request, user.id, kind, status, None)


@router.patch(
    "/v1/admin/serve/tasks/{task_id}",
    response_model=schemas.ServeTask,
    responses={409: {"model": schemas.ErrorResponse, "description": "Version mismatch."}},
)
def patch_task(task_id: TaskId, body: schemas.ServeTaskPatch, user: AdminUser,
               request: Request) -> schemas.ServeTask:
    """Change an item's status or owner; each change is kept in its history."""
    state = state_of(request)
    t = serve_tasks
    with state.db.write() as conn:
        row = conn.execute(select(t).where(t.c.id == task_id)).first()
        if row is None:
            raise not_found("tracked item", task_id)
        if body.base_version is not None and body.base_version != row.version:
            raise ApiError(409, "version_mismatch", f"The item is at version {row.version}.")
        now = state.clock.now()
        status = body.status or row.status
        owner = body.owner or row.owner
        event = {"at": now, "by": user.id, "status": status, "note": body.note}
        if owner != row.owner:  # kept apart from the person's note: each client words it
            event["owner"] = owner
        conn.execute(update(t).where(t.c.id == task_id).values(
            status=status, owner=owner, history=[*row.history, event],
            version=row.version + 1, updated_at=now))
        updated = conn.execute(select(t).where(t.c.id == task_id)).one()
    return schemas.ServeTask.model_validate(task_out(updated))


GoodwillStatus = Annotated[
    Literal["done", "pending", "approved", "declined", "offered", "referred"] | None, Query()]


def _goodwill(request: Request, technician: str | None, status: str | None
              ) -> list[schemas.GoodwillItem]:
    rows = _rows(request, goodwill_requests, "given_at", technician_id=technician,
                 status=status)
    return [schemas.GoodwillItem.model_validate(goodwill_out(r)) for r in rows]


@router.get("/v1/admin/serve/goodwill", response_model=list[schemas.GoodwillItem])
def admin_goodwill(user: AdminUser, request: Request, status: GoodwillStatus = None
                   ) -> list[schemas.GoodwillItem]:
    """Requests beyond the contract: pending ones wait for a decision."""
    return _goodwill(request, None, status)


@router.get("/v1/serve/goodwill", response_model=list[schemas.GoodwillItem])
def my_goodwill(user: CurrentUser, request: Request, status: GoodwillStatus = None
                ) -> list[schemas.GoodwillItem]:
    """The requests of the caller's own visits."""
    return _goodwill(request, user.id, status)


@router.post(
    "/v1/admin/serve/goodwill/{item_id}/decision",
    response_model=schemas.GoodwillItem,
    responses={409: {"model": schemas.ErrorResponse,
                     "description": "Already decided; the details carry the current state."}},
)
def decide(item_id: TaskId, body: schemas.GoodwillDecision, user: AdminUser,
           request: Request) -> schemas.GoodwillItem:
    """Approve or decline a request above the allowance; the technician's laptop gets the
    answer with the session at its next sync."""
    state = state_of(request)
    g = goodwill_requests
    with state.db.write() as conn:
        row = conn.execute(select(g).where(g.c.id == item_id)).first()
        if row is None:
            raise not_found("goodwill request", item_id)
        if row.status != "pending":
            raise ApiError(409, "already_decided",
                           f"The request is {row.status}; nothing to decide.",
                           [schemas.ErrorDetail(loc=["status"], message=row.status,
                                                code=row.status)])
        now = state.clock.now()
        status = "approved" if body.approved else "declined"
        conn.execute(update(g).where(g.c.id == item_id).values(
            status=status, decision_reason=body.reason, decided_by=user.id,
            version=row.version + 1, updated_at=now,
            history=[*row.history, {"at": now, "by": user.id, "status": status,
                                    "note": body.reason}]))
        _answer_in_session(state.db, conn, row, status=status, reason=body.reason, now=now)
        updated = conn.execute(select(g).where(g.c.id == item_id)).one()
    return schemas.GoodwillItem.model_validate(goodwill_out(updated))


def _answer_in_session(database: db.Database, conn: Connection, row: Any, *, status: str,
                       reason: str, now: float) -> None:
    """Write the decision into the session, so the next pull brings it to the laptop."""
    session = records.get_row(conn, db.sessions, row.session_id)
    if session is None:
        return
    data = dict(session.data)
    data["goodwill"] = [
        {**item, "status": status, "decision_reason": reason}
        if isinstance(item, dict) and item.get("id") == row.request_id else item
        for item in data.get("goodwill") or []
    ]
    version = session.version + 1
    conn.execute(update(db.sessions).where(db.sessions.c.id == session.id).values(
        data=data, version=version, updated_at=now))
    publish_own(database, conn, session.technician_id, ("session", session.id), version,
                visible=True)


@router.get("/v1/admin/serve/delight", response_model=list[schemas.DelightRow])
def delight(user: AdminUser, request: Request,
            by: Annotated[Literal["customer", "site", "technician", "asset_kind"],
                          Query()] = "customer",
            period: Annotated[Literal["month", "week"], Query()] = "month"
            ) -> list[schemas.DelightRow]:
    """Delight over time: ratings and the customers' answers per wish, grouped."""
    with state_of(request).db.read() as conn:
        rows = delight_rows(conn, by, period)
    return [schemas.DelightRow.model_validate(r) for r in rows]


def _held(request: Request, site_ids: list[str] | None) -> list[schemas.HeldCheck]:
    h = held_checks
    query = select(h).order_by(h.c.checked_at.desc(), h.c.id).limit(LISTED)
    if site_ids is not None:
        query = query.where(h.c.site_id.in_(site_ids))
    with state_of(request).db.read() as conn:
        rows = conn.execute(query).all()
    return [schemas.HeldCheck.model_validate({**r._mapping, "checked_at": utc(r.checked_at)})
            for r in rows]


@router.get("/v1/admin/serve/held", response_model=list[schemas.HeldCheck])
def admin_held(user: AdminUser, request: Request) -> list[schemas.HeldCheck]:
    """Held or regressed, 7 and 30 days after each visit's improvements."""
    return _held(request, None)


@router.get("/v1/serve/held", response_model=list[schemas.HeldCheck])
def my_held(user: CurrentUser, request: Request) -> list[schemas.HeldCheck]:
    """The checks at the sites of the caller's own visits (for the next visit there)."""
    with state_of(request).db.read() as conn:
        sites = list(conn.execute(select(db.visits.c.site_id).where(
            db.visits.c.technician_id == user.id).distinct()).scalars())
    return _held(request, sites)


@router.get("/v1/serve/digest", response_model=schemas.ServeDigest)
def my_digest(user: CurrentUser, request: Request) -> schemas.ServeDigest:
    """The caller's items and the checks at their sites, in one reply (the laptop fetches
    it after each sync and keeps it for offline use)."""
    return schemas.ServeDigest(tasks=_list(request, user.id, None, None, None),
                               held=my_held(user, request))


@router.post("/v1/admin/serve/held/run", response_model=schemas.HeldRun)
def run_held(user: AdminUser, request: Request) -> schemas.HeldRun:
    """Make the checks that are due now (the scheduled job does the same)."""
    state = state_of(request)
    return schemas.HeldRun(checks=check_held(state.db, state.clock.now()))


@router.get("/v1/admin/serve/load", response_model=list[schemas.TechnicianLoad])
def load(user: AdminUser, request: Request,
         days: Annotated[int, Query(ge=1, le=366)] = 7) -> list[schemas.TechnicianLoad]:
    """Each technician's visits from ``days`` days back to ``days`` days ahead, and the
    hours on site in that span."""
    state = state_of(request)
    now = state.clock.now()
    with state.db.read() as conn:
        rows = technician_load(conn, now - days * 86_400.0, now + days * 86_400.0)
    return [schemas.TechnicianLoad.model_validate(r) for r in rows]


# --- the site's contract: goodwill allowance and the office's phone (#19.2) ----------

SiteId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


@router.get("/v1/admin/sites/{site_id}/contract", response_model=schemas.Contract)
def get_contract(site_id: SiteId, user: AdminUser, request: Request) -> schemas.Contract:
    """The site's contract (the standard terms until the office sets one)."""
    with state_of(request).db.read() as conn:
        row = records.get_row(conn, db.sites, site_id)
    if row is None:
        raise not_found("site", site_id)
    return schemas.Contract.model_validate(row.contract or {})


@router.put("/v1/admin/sites/{site_id}/contract", response_model=schemas.Contract)
def put_contract(site_id: SiteId, body: schemas.ContractTerms, user: AdminUser,
                 request: Request) -> schemas.Contract:
    """Set the site's contract: the technicians get it with the site at their next sync
    and count their goodwill against its allowance, offline too."""
    state = state_of(request)
    with state.db.write() as conn:
        row = records.get_row(conn, db.sites, site_id)
        if row is None:
            raise not_found("site", site_id)
        contract = schemas.Contract.model_validate(body.model_dump()).model_dump(mode="json")
        version = row.version + 1
        conn.execute(update(db.sites).where(db.sites.c.id == site_id).values(
            contract=contract, version=version, updated_at=state.clock.now()))
        record_change(state.db, conn, ("site", site_id), version)
    return schemas.Contract.model_validate(contract)


# --- help from the field (#19.4) ----------------------------------------------------

HelpStatus = Annotated[Literal["pending", "accepted", "declined"] | None, Query()]


def _help(request: Request, technician: str | None, status: str | None
          ) -> list[schemas.HelpItem]:
    rows = _rows(request, help_requests, "asked_at", technician_id=technician, status=status)
    return [schemas.HelpItem.model_validate(help_out(r)) for r in rows]


@router.get("/v1/admin/serve/help", response_model=list[schemas.HelpItem])
def admin_help(user: AdminUser, request: Request, status: HelpStatus = None
               ) -> list[schemas.HelpItem]:
    """Help asked from the field: pending requests wait for an answer."""
    return _help(request, None, status)


@router.get("/v1/serve/help", response_model=list[schemas.HelpItem])
def my_help(user: CurrentUser, request: Request, status: HelpStatus = None
            ) -> list[schemas.HelpItem]:
    """The caller's own help requests."""
    return _help(request, user.id, status)


@router.post(
    "/v1/admin/serve/help/{item_id}/answer",
    response_model=schemas.HelpItem,
    responses={409: {"model": schemas.ErrorResponse,
                     "description": "Already answered (the details carry the current state), "
                     "or a hand-over accepted for a visit completed or cancelled meanwhile."},
               422: {"model": schemas.ErrorResponse,
                     "description": "A hand-over accepted without a technician to take it."}},
)
def answer_help(item_id: TaskId, body: schemas.HelpAnswer, user: AdminUser,
                request: Request) -> schemas.HelpItem:
    """Answer a help request once; the technician gets the answer with the session at the
    next sync. An accepted hand-over moves the visit to ``helper``."""
    state = state_of(request)
    h = help_requests
    with state.db.write() as conn:
        row = conn.execute(select(h).where(h.c.id == item_id)).first()
        if row is None:
            raise not_found("help request", item_id)
        if row.status != "pending":
            raise ApiError(409, "already_answered",
                           f"The request is {row.status}; nothing to answer.",
                           [schemas.ErrorDetail(loc=["status"], message=row.status,
                                                code=row.status)])
        visit = records.get_row(conn, db.visits, row.visit_id)
        handover = body.accepted and row.kind == "handover"
        if handover:
            role = conn.execute(select(db.users.c.role).where(
                db.users.c.id == body.helper)).scalar_one_or_none() if body.helper else None
            if role != "technician" or body.helper == row.technician_id or visit is None:
                raise ApiError(422, "unknown_technician",
                               "Name another technician (helper) to take the visit over.")
            if visit.status in (VisitStatus.COMPLETED.value, VisitStatus.CANCELLED.value):
                raise ApiError(409, "visit_closed",
                               f"The visit is {visit.status}: there is nothing left to hand "
                               "over. Decline the request instead.",
                               [schemas.ErrorDetail(loc=["visit", "status"],
                                                    message=visit.status, code=visit.status)])
        now = state.clock.now()
        status = "accepted" if body.accepted else "declined"
        conn.execute(update(h).where(h.c.id == item_id).values(
            status=status, answer=body.answer, helper=body.helper, answered_by=user.id,
            version=row.version + 1, updated_at=now,
            history=[*row.history, {"at": now, "by": user.id, "status": status,
                                    "note": body.answer}]))
        updated = conn.execute(select(h).where(h.c.id == item_id)).one()
        answer_in_session(state.db, conn, updated, now)
        if handover and visit is not None and visit.technician_id == row.technician_id:
            assert body.helper is not None
            reassign_visit(state.db, conn, visit, body.helper, now, note=body.answer)
    return schemas.HelpItem.model_validate(help_out(updated))
