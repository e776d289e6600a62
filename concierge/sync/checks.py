# SPDX-License-Identifier: Apache-2.0
"""Checks on server replies beyond their schema, before anything is stored."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ValidationError

from concierge.api.errors import MalformedResponseError
from concierge.protocol import schemas
from concierge.store import OutboxOp

MODELS: dict[str, type[BaseModel]] = {
    "site": schemas.Site,
    "asset": schemas.Asset,
    "insight": schemas.Insight,
    "visit": schemas.Visit,
    "template": schemas.ChecklistTemplate,
    "session": schemas.SessionRecord,
}


def _bad(what: str) -> MalformedResponseError:
    return MalformedResponseError(
        f"The server sent {what}. Nothing was changed locally; check that the app is up to date."
    )


def _valid_record(entity: str, ident: str, data: dict[str, object]) -> None:
    """Valid, and complete: records are stored as sent, so a field the schema would
    default (e.g. a missing ``version``) must not be silently missing from the copy."""
    model = MODELS[entity]
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        raise _bad(f"an invalid {entity} {ident!r} ({exc.errors()[0]['msg']})") from exc
    missing = sorted(set(model.model_fields) - set(data))
    if missing:
        raise _bad(f"an incomplete {entity} {ident!r} (no {', '.join(missing)})")
    if getattr(record, "id", None) != ident:
        raise _bad(f"a {entity} whose id does not match {ident!r}")


def check_page(page: schemas.PullResponse, cursor: str | None) -> None:
    if page.has_more and not page.changes and page.cursor == cursor:
        raise _bad("an empty page that does not advance")
    for change in page.changes:
        if change.deleted != (change.data is None):
            raise _bad(f"a change of {change.entity} {change.id!r} that is half deleted")
        if change.data is not None:
            _valid_record(change.entity, change.id, change.data)


def check_results(ops: Sequence[OutboxOp], response: schemas.PushResponse) -> None:
    by_id = {op.op_id: op for op in ops}
    seen = [str(r.op_id) for r in response.results]
    if sorted(seen) != sorted(by_id):
        raise _bad("push results that do not match the changes sent")
    for result in response.results:
        op = by_id[str(result.op_id)]
        if result.status == "rejected":
            continue
        if result.version is None or result.record is None:
            raise _bad(f"a {result.status} result without the record")
        _valid_record(op.entity, op.entity_id, result.record)
