# SPDX-License-Identifier: Apache-2.0
"""Admin API of the devices link: broker status, remote attempts, approvals, figures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import select

from concierge.protocol import schemas
from concierge_office.auth import AdminUser
from concierge_office.devices import attempts
from concierge_office.devices.tables import remote_decisions
from concierge_office.errors import ERROR_RESPONSES, ApiError, StrictJSONRoute, not_found
from concierge_office.state import state_of

router = APIRouter(
    prefix="/v1/admin", tags=["devices"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES
)

DecisionKey = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$")]


_DEVICES_OFF: dict[int | str, dict[str, Any]] = {
    409: {"model": schemas.ErrorResponse, "description": "No MQTT broker is configured."}
}


def _link(request: Request) -> Any:
    link = getattr(request.app.state, "devices", None)
    if link is None:
        raise ApiError(409, "devices_off", "This office has no devices link.")
    return link


@router.get("/devices/broker", responses=_DEVICES_OFF)
def broker_status(user: AdminUser, request: Request) -> dict[str, Any]:
    """Whether the office is connected to its MQTT broker, and what it ingested/dropped."""
    return dict(_link(request).status())


@router.get("/remote/attempts", response_model=list[schemas.RemoteAttempt])
def list_attempts(
    user: AdminUser,
    request: Request,
    result: Annotated[
        schemas.RemoteResult | None, Query()
    ] = None,
) -> list[schemas.RemoteAttempt]:
    with state_of(request).db.read() as conn:
        ids = conn.execute(select(remote_decisions.c.insight_id)).scalars().all()
        found = attempts.attempts_by_insight(conn, ids)
    out = [a for group in found.values() for a in group]
    out.sort(key=lambda a: a.decided_at)
    return [a for a in out if result is None or a.result == result]


@router.post("/remote/decisions/{decision_key}/approve", responses=_DEVICES_OFF)
def approve(decision_key: DecisionKey, user: AdminUser, request: Request) -> dict[str, str]:
    return _decide(request, decision_key, user.id, approve=True)


@router.post("/remote/decisions/{decision_key}/decline", responses=_DEVICES_OFF)
def decline(decision_key: DecisionKey, user: AdminUser, request: Request) -> dict[str, str]:
    return _decide(request, decision_key, user.id, approve=False)


def _decide(request: Request, key: str, user_id: str, *, approve: bool) -> dict[str, str]:
    remote = _link(request).remote
    if remote is None:
        raise ApiError(409, "devices_off", "The office has no MQTT broker configured.")
    try:
        state = remote.approve(key, user_id, approve=approve)
    except KeyError:
        raise not_found("remote decision", key) from None
    return {"decision_key": key, "state": state}


@router.get("/remote/figures", response_model=schemas.RemoteFigures)
def figures(user: AdminUser, request: Request) -> schemas.RemoteFigures:
    """Insights resolved remotely, visits avoided and mean time to resolution, by asset kind."""
    with state_of(request).db.read() as conn:
        return attempts.figures(conn)
