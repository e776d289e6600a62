# SPDX-License-Identifier: Apache-2.0
"""Endpoints of the tracked items (#19): the office lists and works them; a technician sees
the items of their own visits only."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import select, update

from concierge.protocol import schemas
from concierge_office.auth import AdminUser, CurrentUser
from concierge_office.errors import ERROR_RESPONSES, ApiError, StrictJSONRoute, not_found
from concierge_office.serve import serve_tasks, task_out
from concierge_office.state import state_of

router = APIRouter(tags=["serve"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)
TaskId = Annotated[str, Path(min_length=1, max_length=200)]


def _list(request: Request, technician: str | None, kind: str | None, status: str | None,
          site_id: str | None) -> list[schemas.ServeTask]:
    t = serve_tasks
    query = select(t).order_by(t.c.due_at, t.c.id)
    for column, value in ((t.c.technician_id, technician), (t.c.kind, kind),
                          (t.c.status, status), (t.c.site_id, site_id)):
        if value is not None:
            query = query.where(column == value)
    with state_of(request).db.read() as conn:
        rows = conn.execute(query.limit(1000)).all()
    return [schemas.ServeTask.model_validate(task_out(r)) for r in rows]


Kind = Annotated[Literal["wish_follow_up", "call_back"] | None, Query()]
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
        event = {"at": now, "by": user.id, "status": status,
                 "note": body.note + (f" (owner: {owner})" if owner != row.owner else "")}
        conn.execute(update(t).where(t.c.id == task_id).values(
            status=status, owner=owner, history=[*row.history, event],
            version=row.version + 1, updated_at=now))
        updated = conn.execute(select(t).where(t.c.id == task_id)).one()
    return schemas.ServeTask.model_validate(task_out(updated))
