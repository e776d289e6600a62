# SPDX-License-Identifier: Apache-2.0
"""Scoped reads: the caller, the metric catalogue, visits, sites, assets, insights, templates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Connection, Row, select

from concierge.domain import METRIC_CATALOGUE, VisitStatus
from concierge.protocol import schemas
from concierge_office import db, records
from concierge_office.auth import CurrentUser, User
from concierge_office.changes import visible_among
from concierge_office.client_view import ClientView
from concierge_office.errors import ERROR_RESPONSES, StrictJSONRoute, not_found
from concierge_office.state import state_of

router = APIRouter(
    prefix="/v1", tags=["fleet"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES
)

IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


def can_see(conn: Connection, user: User, entity: str, ident: str) -> bool:
    """Whether ``user`` may read a site, asset, insight or template."""
    if user.is_admin:
        return True
    return bool(visible_among(conn, user.id, {(entity, ident)}))


def visible_visit(conn: Connection, user: User, ident: str) -> Row[Any] | None:
    row = records.get_row(conn, db.visits, ident)
    if row is None or user.is_admin:
        return row
    if row.technician_id != user.id or row.status == VisitStatus.CANCELLED.value:
        return None
    return row


@router.get("/me", response_model=schemas.UserInfo)
def me(user: CurrentUser) -> schemas.UserInfo:
    return user.info()


@router.put("/me/day-status", response_model=schemas.DayStatusReport)
def put_day_status(
    body: schemas.DayStatusReport, user: CurrentUser, request: Request
) -> schemas.DayStatusReport:
    """The technician's day: travelling (on my way), on site, break or done; the time on
    site per visit. Kept as the latest report per technician; the office reads it back."""
    if body.visit_id is not None:
        with state_of(request).db.read() as conn:
            if visible_visit(conn, user, body.visit_id) is None:
                raise not_found("visit", body.visit_id)
    database = state_of(request).db
    with database.write() as conn:
        db.meta_set(database, conn, f"day_status:{user.id}", body.model_dump_json())
    return body


@router.get("/metrics", response_model=schemas.MetricCatalogue)
def metrics(user: CurrentUser) -> schemas.MetricCatalogue:
    return schemas.MetricCatalogue(
        kinds={
            kind: [schemas.MetricInfo.model_validate(spec, from_attributes=True) for spec in specs]
            for kind, specs in METRIC_CATALOGUE.items()
        }
    )


@router.get("/visits", response_model=list[schemas.Visit])
def list_visits(
    user: CurrentUser,
    request: Request,
    status: Annotated[VisitStatus | None, Query()] = None,
) -> Response:
    """The caller's visits (an admin's: all).  ``summary_code`` only to a client sending
    ``X-Sync-Features: text-codes``, as on the pull."""
    v = db.visits
    stmt = select(v).order_by(v.c.window_start, v.c.id)
    if not user.is_admin:
        stmt = stmt.where(v.c.technician_id == user.id, v.c.status != VisitStatus.CANCELLED.value)
    if status is not None:
        stmt = stmt.where(v.c.status == status.value)
    with state_of(request).db.read() as conn:
        found = records.visits(conn, conn.execute(stmt))
    return ClientView.of(request).response("visit", [_wire(v) for v in found])


@router.get("/visits/{visit_id}", response_model=schemas.Visit)
def get_visit(visit_id: IdPath, user: CurrentUser, request: Request) -> Response:
    """One of the caller's visits.  ``summary_code`` only to a client sending
    ``X-Sync-Features: text-codes``, as on the pull."""
    with state_of(request).db.read() as conn:
        row = visible_visit(conn, user, visit_id)
        if row is None:
            raise not_found("visit", visit_id)
        found = records.visit(conn, row)
    return ClientView.of(request).response("visit", _wire(found))


def _wire(record: BaseModel) -> dict[str, Any]:
    return record.model_dump(mode="json")


def _read(request: Request, user: User, entity: str, ident: str) -> Row[Any]:
    table = records.ENTITIES[entity][0]
    with state_of(request).db.read() as conn:
        row = records.get_row(conn, table, ident)
        if row is None or not can_see(conn, user, entity, ident):
            raise not_found(entity, ident)
    return row


@router.get("/sites/{site_id}", response_model=schemas.Site)
def get_site(site_id: IdPath, user: CurrentUser, request: Request) -> Response:
    """A site of the caller's visits, as the pull serves it: ``contract`` (with the office's
    phone standing in for a contract without one) and ``remote_fixes`` only to a client
    sending ``X-Sync-Features: text-codes``."""
    row = _read(request, user, "site", site_id)
    with state_of(request).db.read() as conn:
        found = records.site(conn, row)
    return ClientView.of(request).response("site", _wire(found))


@router.get("/assets/{asset_id}", response_model=schemas.Asset)
def get_asset(asset_id: IdPath, user: CurrentUser, request: Request) -> schemas.Asset:
    return records.asset(_read(request, user, "asset", asset_id))


@router.get("/insights/{insight_id}", response_model=schemas.Insight)
def get_insight(insight_id: IdPath, user: CurrentUser, request: Request) -> Response:
    """An insight of the caller's visits, as the pull serves it: a kind the client does not
    list in ``X-Insight-Kinds`` as its fallback; ``headline_code`` only to a client sending
    ``X-Sync-Features: text-codes``."""
    row = _read(request, user, "insight", insight_id)
    with state_of(request).db.read() as conn:
        found = records.insight(conn, row)
    return ClientView.of(request).response("insight", _wire(found))


@router.get("/templates", response_model=list[schemas.ChecklistTemplate])
def list_templates(user: CurrentUser, request: Request) -> list[schemas.ChecklistTemplate]:
    t = db.templates
    with state_of(request).db.read() as conn:
        rows = list(conn.execute(select(t).order_by(t.c.asset_kind, t.c.id)))
        if not user.is_admin:
            seen = visible_among(conn, user.id, {("template", row.id) for row in rows})
            rows = [row for row in rows if ("template", row.id) in seen]
    return [records.template(row) for row in rows]
