# SPDX-License-Identifier: Apache-2.0
"""Sync: pull changes by server cursor, push mutations with per-mutation results."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import and_, func, select

from concierge.protocol import schemas
from concierge_office import db, records
from concierge_office.auth import CurrentUser
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
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=schemas.MAX_PULL_PAGE)] = schemas.DEFAULT_PULL_PAGE,
) -> Any:
    at = decode_cursor(cursor) if cursor else None
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
    kinds = records.client_kinds(request.headers.get(schemas.INSIGHT_KINDS_HEADER))
    codes = records.reads_text_codes(request.headers.get(schemas.TEXT_CODES_HEADER))
    changes = []
    for row in rows:
        data = None if row.deleted else loaded[row.entity].get(row.entity_id)
        if data is not None and row.entity == "insight":
            data = records.insight_for(data, kinds)
        if data is not None and not codes:
            data = records.without_text_codes(data)
        changes.append(
            {
                "entity": row.entity,
                "id": row.entity_id,
                "seq": row.seq,
                "version": int(data["version"]) if data is not None else row.version,
                "deleted": data is None,
                "data": data,
            }
        )
    if not has_more:
        next_cursor = encode_cursor(high)
    else:
        snapshot_from = high if at is None else at.snapshot_from
        next_cursor = encode_cursor(rows[-1].seq, snapshot_from)
    # Trusted rows, already in wire form: the page is written as JSON without a model round.
    page = {"changes": changes, "cursor": next_cursor, "has_more": has_more}
    return Response(json.dumps(page, separators=(",", ":")), media_type="application/json")


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
    return schemas.PushResponse(
        results=[apply_mutation(state.db, user, m, now) for m in body.mutations]
    )
