# SPDX-License-Identifier: Apache-2.0
"""Content-addressed attachments (photos, signatures, report PDFs)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, select
from starlette.concurrency import run_in_threadpool

from concierge.protocol import schemas
from concierge_office import db
from concierge_office.auth import CurrentUser, User
from concierge_office.errors import ERROR_RESPONSES, ApiError, not_found
from concierge_office.state import AppState, state_of

router = APIRouter(prefix="/v1/attachments", tags=["attachments"], responses=ERROR_RESPONSES)

ShaPath = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            ct: {"schema": {"type": "string", "format": "binary"}}
            for ct in sorted(schemas.ATTACHMENT_CONTENT_TYPES)
        },
    }
}


def _visible(conn: Connection, user: User, sha: str) -> Any:
    a, o = db.attachments, db.attachment_owners
    stmt = select(a.c.sha256, a.c.content_type, a.c.size).where(a.c.sha256 == sha)
    if not user.is_admin:
        stmt = stmt.join(o, o.c.sha256 == a.c.sha256).where(o.c.user_id == user.id)
    return conn.execute(stmt).first()


@router.put(
    "/{sha256}",
    response_model=schemas.AttachmentInfo,
    status_code=201,
    openapi_extra=_BODY,
    responses={
        200: {"model": schemas.AttachmentInfo, "description": "Already stored."},
        415: {"model": schemas.ErrorResponse, "description": "Unsupported Media Type"},
    },
)
async def upload(
    sha256: ShaPath,
    user: CurrentUser,
    request: Request,
    content_type: Annotated[str, Header()] = "",
) -> JSONResponse:
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in schemas.ATTACHMENT_CONTENT_TYPES:
        allowed = ", ".join(sorted(schemas.ATTACHMENT_CONTENT_TYPES))
        raise ApiError(415, "unsupported_media_type", f"Content-Type must be one of: {allowed}.")
    body = await request.body()
    if not body:
        raise ApiError(422, "empty_attachment", "The attachment is empty.")
    created = await run_in_threadpool(_store, state_of(request), user, sha256, media_type, body)
    info = schemas.AttachmentInfo(
        sha256=sha256, content_type=media_type, size=len(body), created=created
    )
    return JSONResponse(info.model_dump(mode="json"), status_code=201 if created else 200)


def _store(state: AppState, user: User, sha256: str, media_type: str, body: bytes) -> bool:
    """Verify and store; True if the content is new."""
    actual = hashlib.sha256(body).hexdigest()
    if actual != sha256:
        raise ApiError(
            422, "sha256_mismatch", f"The content's SHA-256 is {actual}, not the one in the URL."
        )
    a = db.attachments
    with state.db.write() as conn:
        created = conn.execute(select(a.c.sha256).where(a.c.sha256 == sha256)).first() is None
        if created:
            conn.execute(
                a.insert().values(
                    sha256=sha256,
                    content_type=media_type,
                    size=len(body),
                    content=body,
                    created_at=state.clock.now(),
                )
            )
        owner = state.db.insert_ignore(db.attachment_owners)
        conn.execute(owner.values(sha256=sha256, user_id=user.id))
    return created


@router.head("/{sha256}", responses={200: {"description": "Stored and visible to the caller."}})
def head(sha256: ShaPath, user: CurrentUser, request: Request) -> Response:
    with state_of(request).db.read() as conn:
        row = _visible(conn, user, sha256)
    if row is None:
        raise not_found("attachment", sha256)
    return Response(headers={"Content-Type": row.content_type, "Content-Length": str(row.size)})


@router.get(
    "/{sha256}",
    response_class=Response,
    responses={
        200: {
            "content": {ct: {} for ct in sorted(schemas.ATTACHMENT_CONTENT_TYPES)},
            "description": "The attachment's bytes.",
        }
    },
)
def download(sha256: ShaPath, user: CurrentUser, request: Request) -> Response:
    with state_of(request).db.read() as conn:
        row = _visible(conn, user, sha256)
        content = (
            None
            if row is None
            else conn.execute(
                select(db.attachments.c.content).where(db.attachments.c.sha256 == sha256)
            ).scalar_one()
        )
    if row is None or content is None:
        raise not_found("attachment", sha256)
    return Response(content=content, media_type=row.content_type)
