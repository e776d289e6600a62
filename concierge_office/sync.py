# SPDX-License-Identifier: Apache-2.0
"""Sync: pull changes by server cursor, push mutations with per-mutation results."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import ColumnElement, Connection, and_, exists, false, func, not_, or_, select

from concierge.domain import VisitStatus
from concierge.protocol import schemas
from concierge_office import db, records
from concierge_office.auth import CurrentUser
from concierge_office.changes import Key, visit_refs, withdrawals_for
from concierge_office.client_view import ClientView
from concierge_office.errors import ERROR_RESPONSES, ApiError, StrictJSONRoute
from concierge_office.mutations import apply_mutation, refuse_reused_op_ids
from concierge_office.state import state_of

router = APIRouter(
    prefix="/v1/sync", tags=["sync"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES
)

_CURSOR = re.compile(r"^seq:(\d{1,18})$|^snap:(\d{1,18}):(\d{1,18})$")


@dataclass(frozen=True)
class Cursor:
    """Where a pull goes on: after ``seq``; ``snapshot_from`` is the high-water mark when
    the snapshot this page continues began (None once a pull is incremental)."""

    seq: int
    snapshot_from: int | None = None


def encode_cursor(seq: int, snapshot_from: int | None = None) -> str:
    text = f"seq:{seq}" if snapshot_from is None else f"snap:{seq}:{snapshot_from}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Cursor:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    match = _CURSOR.match(text)
    if match is None:
        raise ApiError(400, "invalid_cursor", "The cursor is not one this server issued.")
    if match.group(1) is not None:
        return Cursor(int(match.group(1)))
    return Cursor(int(match.group(2)), int(match.group(3)))


def _outlived(at: Cursor, horizon: int) -> bool:
    """Were tombstones this pull still needs purged?

    An incremental pull needs every tombstone after its cursor.  A snapshot in
    progress sent only live rows: it needs the deletions made since it began (its
    earlier pages may hold those rows), never older ones, so a purge of old tombstones
    does not stop a first sync of many pages.
    """
    if at.snapshot_from is None:
        return at.seq < horizon
    return at.snapshot_from < horizon


def _reset(message: str) -> ApiError:
    return ApiError(
        410, "reset_required", f"{message} Pull again without a cursor; keep your outbox."
    )


@router.get(
    "/changes",
    response_model=schemas.PullResponse,
    responses={410: {"model": schemas.ErrorResponse, "description": "Re-snapshot required."}},
)
def pull(
    user: CurrentUser,
    request: Request,
    *,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=schemas.MAX_PULL_PAGE)] = schemas.DEFAULT_PULL_PAGE,
    near_from: Annotated[
        schemas.Timestamp | None,
        Query(description="With near_until: a first pull of only the technician's visits in "
              "this window (and open ones before it) and what they reference; the reply "
              "says scope 'near'."),
    ] = None,
    near_until: Annotated[schemas.Timestamp | None, Query()] = None,
    skip: Annotated[
        str | None,
        Query(max_length=200, description="The last cursor of a near pull (with the same "
              "near_from/near_until): this snapshot leaves out what that pull sent."),
    ] = None,
) -> Any:
    at = decode_cursor(cursor) if cursor else None
    near = _near_window(near_from, near_until)
    skipped = decode_cursor(skip) if skip else None
    if skipped is not None and near is None:
        raise ApiError(400, "invalid_query", "skip needs near_from and near_until.")
    after = at.seq if at else 0
    f = db.feed
    with state_of(request).db.read() as conn:
        # Read the high-water mark first: anything committed later has a larger seq.
        high = int(conn.execute(select(func.max(db.changes.c.seq))).scalar_one() or 0)
        if after > high or (at and at.snapshot_from is not None and at.snapshot_from > high):
            raise _reset("The cursor is ahead of this server's history.")
        if at and _outlived(at, int(db.meta_get(conn, "tombstone_horizon_seq") or 0)):
            raise _reset("The cursor is older than the deletion history kept.")
        where = and_(f.c.technician_id == user.id, f.c.seq > after, f.c.seq <= high)
        if not cursor:
            where = and_(where, f.c.deleted.is_(False))
        if near is not None and skipped is None:
            if at is None:  # the window is fixed on a near pull's first page
                near = (near[0], _two_days_with_work(conn, user.id, near))
            where = and_(where, _among(near_keys(conn, user.id, near)))
        elif near is not None and skipped is not None:
            sent = near_keys(conn, user.id, near, settled_by=_near_start(skipped))
            where = and_(where, not_(and_(f.c.seq <= skipped.seq, _among(sent))))
        rows = list(
            conn.execute(
                select(f).where(where).order_by(f.c.seq, f.c.entity, f.c.entity_id).limit(limit + 1)
            )
        )
        has_more = len(rows) > limit
        rows = rows[:limit]
        wanted: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            if not row.deleted:
                wanted[row.entity].append(row.entity_id)
        loaded = {entity: records.load(conn, entity, ids) for entity, ids in wanted.items()}
        view = ClientView.of(request)
        reasons: dict[str, dict[str, Any]] = {}
        if view.reads_withdrawal_reasons:
            tombstones = {r.entity_id: r.seq for r in rows if r.deleted and r.entity == "visit"}
            reasons = withdrawals_for(conn, user.id, tombstones)
    changes = []
    for row in rows:
        data = None if row.deleted else loaded[row.entity].get(row.entity_id)
        if data is not None:
            data = view.record(row.entity, data)
        change = {
            "entity": row.entity,
            "id": row.entity_id,
            "seq": row.seq,
            "version": int(data["version"]) if data is not None else row.version,
            "deleted": data is None,
            "data": data,
        }
        if data is None and row.entity_id in reasons and row.entity == "visit":
            change["withdrawal"] = reasons[row.entity_id]
        changes.append(change)
    if not has_more:
        # A near pull's last cursor keeps where it began: the snapshot after it (``skip``)
        # leaves out only what was settled then.
        next_cursor = encode_cursor(high, (at.snapshot_from if at else high)
                                    if near is not None and skipped is None else None)
    else:
        snapshot_from = high if at is None else at.snapshot_from
        next_cursor = encode_cursor(rows[-1].seq, snapshot_from)
    # Trusted rows, already in wire form: the page is written as JSON without a model round.
    page: dict[str, Any] = {"changes": changes, "cursor": next_cursor, "has_more": has_more}
    if near is not None and skipped is None:
        page["scope"] = "near"
        page["near_until"] = datetime.fromtimestamp(near[1], UTC).isoformat()
    return Response(json.dumps(page, separators=(",", ":")), media_type="application/json")


def _near_window(start: datetime | None, end: datetime | None) -> tuple[float, float] | None:
    if start is None and end is None:
        return None
    if start is None or end is None or start >= end:
        raise ApiError(400, "invalid_query", "near_from must come with a later near_until.")
    return start.timestamp(), end.timestamp()


def _two_days_with_work(conn: Connection, technician_id: str, near: tuple[float, float],
                        *, days: int = 2, scan: int = 500) -> float:
    """The near window's end, moved on to the end of the second day (counted from its start)
    with open visits when the window holds fewer: on a free day, the next working days."""
    v = db.visits
    start, end = near
    upcoming = conn.execute(
        select(v.c.window_start)
        .where(v.c.technician_id == technician_id, v.c.window_start >= start,
               v.c.status.in_(_ACTIVE))
        .order_by(v.c.window_start)
        .limit(scan)
    ).scalars()
    seen: set[int] = set()
    for window_start in upcoming:
        seen.add(int((window_start - start) // 86_400))
        if len(seen) == days:
            moved = start + (max(seen) + 1) * 86_400
            return max(end, min(moved, schemas.LATEST_TIME.timestamp() - 1))
    return end


def _near_start(skipped: Cursor) -> int:
    """Where the near pull began (what was settled then was sent on every one of its pages)."""
    return skipped.seq if skipped.snapshot_from is None else skipped.snapshot_from


_ACTIVE = (VisitStatus.PROPOSED.value, VisitStatus.SCHEDULED.value, VisitStatus.IN_PROGRESS.value)


def near_keys(
    conn: Connection, technician_id: str, near: tuple[float, float],
    settled_by: int | None = None,
) -> set[Key]:
    """A technician's visits in the window (and open ones before it), with their sessions and
    what they reference.  ``settled_by``: only visits unchanged since that seq (a visit that
    changed since may have joined the window after the pages that held its references)."""
    v, f, s = db.visits, db.feed, db.sessions
    start, end = near
    stmt = select(v.c.id).where(
        v.c.technician_id == technician_id,
        v.c.window_start < end,
        or_(v.c.window_end >= start, v.c.status.in_(_ACTIVE)),
    )
    if settled_by is not None:
        stmt = stmt.where(exists().where(
            f.c.technician_id == technician_id, f.c.entity == "visit",
            f.c.entity_id == v.c.id, f.c.seq <= settled_by,
        ))
    ids = sorted(str(i) for i in conn.execute(stmt).scalars())
    if not ids:
        return set()
    keys: set[Key] = {("visit", i) for i in ids} | visit_refs(conn, ids)
    sessions = select(s.c.id).where(s.c.technician_id == technician_id, s.c.visit_id.in_(ids))
    keys |= {("session", str(i)) for i in conn.execute(sessions).scalars()}
    return keys


def _among(keys: set[Key]) -> ColumnElement[bool]:
    f = db.feed
    by_entity: dict[str, list[str]] = defaultdict(list)
    for entity, ident in keys:
        by_entity[entity].append(ident)
    if not by_entity:
        return false()
    return or_(*(and_(f.c.entity == entity, f.c.entity_id.in_(sorted(ids)))
                 for entity, ids in sorted(by_entity.items())))


@router.post(
    "/push",
    response_model=schemas.PushResponse,
    responses={409: {"model": schemas.ErrorResponse, "description": "An op id was reused."}},
)
def push(body: schemas.PushRequest, user: CurrentUser, request: Request) -> schemas.PushResponse:
    state = state_of(request)
    if user.role != "technician":
        raise ApiError(403, "forbidden", "Only technicians push field changes.")
    with state.db.read() as conn:
        refuse_reused_op_ids(conn, user, body.mutations)
    now = state.clock.now()
    view = ClientView.of(request)
    return schemas.PushResponse(
        results=[_shaped(view, m, apply_mutation(state.db, user, m, now))
                 for m in body.mutations]
    )


def _shaped(view: ClientView, m: schemas.Mutation,
            result: schemas.MutationResult) -> schemas.MutationResult:
    """A result's record (the stored one, or the office's in a conflict) as the client
    reads records (``ClientView``)."""
    if result.record is None:
        return result
    return result.model_copy(update={"record": view.record(m.entity, result.record)})
