# SPDX-License-Identifier: Apache-2.0
"""Checks on server replies beyond their schema, before anything is stored."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from concierge.api.errors import MalformedResponseError
from concierge.protocol import schemas
from concierge.store import OutboxOp
from concierge.store.models import SetAside

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


def _absent_means_none(field: FieldInfo) -> bool:
    """A field added later with the default None (an older office does not send it, and
    a missing value cannot be mistaken for a real one)."""
    return not field.is_required() and field.default is None


def _record_problem(entity: str, ident: str, data: dict[str, object]) -> str | None:
    """Why a record cannot be stored, or None.  Valid, and complete: records are stored
    as sent, so a field the schema would default (e.g. a missing ``version``) must not be
    silently missing from the copy."""
    model = MODELS[entity]
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    missing = sorted(name for name, field in model.model_fields.items()
                     if name not in data and not _absent_means_none(field)
                     and name not in schemas.ADDITIVE_FIELDS)
    if missing:
        return f"incomplete: no {', '.join(missing)}"
    if getattr(record, "id", None) != ident:
        return f"its id does not match {ident!r}"
    return None


def _valid_record(entity: str, ident: str, data: dict[str, object]) -> None:
    problem = _record_problem(entity, ident, data)
    if problem is not None:
        raise _bad(f"an invalid {entity} {ident!r} ({problem})")


def check_page(page: schemas.PullResponse, cursor: str | None) -> list[SetAside]:
    """Refuse a page whose frame is broken; return the changes to set aside.

    One record this app cannot read must not hold back the rest of the page (nor
    every later pull): it is set aside with its reason, the others are applied and
    the cursor moves on.
    """
    if page.has_more and page.cursor == cursor:
        raise _bad("a page that does not advance (the same cursor again)")
    set_aside: list[SetAside] = []
    for change in page.changes:
        if change.deleted != (change.data is None):
            problem: str | None = "half deleted (marked deleted, yet with data, or neither)"
        else:
            problem = _record_problem(change.entity, change.id, change.data or {})
            problem = problem if change.data is not None else None
        if problem is not None:
            set_aside.append(SetAside(change, problem))
    return set_aside


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
