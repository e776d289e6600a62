# SPDX-License-Identifier: Apache-2.0
"""Rows to wire records (``concierge.protocol.schemas`` models) and back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Row, Table, select

from concierge.domain import INSIGHT_KIND_FALLBACK, LEGACY_INSIGHT_KINDS
from concierge.protocol import schemas
from concierge_office import db
from concierge_office.db import utc
from concierge_office.devices.attempts import attach_attempts, attempts_by_insight, fixes_by_site


def _opt_utc(ts: float | None) -> Any:
    return None if ts is None else utc(ts)


def site(conn: Connection, row: Row[Any]) -> schemas.Site:
    """A site with its remote fixes (as the sync pull gives them)."""
    return _site(row, fixes_by_site(conn, [row.id]).get(row.id, []))


def _site(row: Row[Any], fixes: list[schemas.RemoteAttempt]) -> schemas.Site:
    return schemas.Site(
        id=row.id,
        customer_name=row.customer_name,
        name=row.name,
        address=row.address,
        latitude=row.latitude,
        longitude=row.longitude,
        region=row.region,
        contact_name=row.contact_name,
        contact_phone=row.contact_phone,
        contact_email=row.contact_email,
        access_notes=row.access_notes,
        language=row.language,
        contract=row.contract,
        version=row.version,
        updated_at=utc(row.updated_at),
        remote_fixes=fixes,
    )


def asset(row: Row[Any]) -> schemas.Asset:
    return schemas.Asset(
        id=row.id,
        site_id=row.site_id,
        kind=row.kind,
        model=row.model,
        serial=row.serial,
        install_date=date.fromisoformat(row.install_date),
        service_limits=row.service_limits,
        version=row.version,
        updated_at=utc(row.updated_at),
    )


def insight(conn: Connection, row: Row[Any]) -> schemas.Insight:
    """An insight with its remote attempts (as every path that serves one gives them)."""
    found = attempts_by_insight(conn, [row.id])
    return _insight(row, found.get(row.id, []))


def _insight(row: Row[Any], attempts: list[schemas.RemoteAttempt]) -> schemas.Insight:
    return schemas.Insight(
        id=row.id,
        asset_id=row.asset_id,
        site_id=row.site_id,
        metric=row.metric,
        kind=row.kind,
        severity=row.severity,
        confidence=row.confidence,
        predicted_impact_at=_opt_utc(row.predicted_impact_at),
        evidence=row.evidence,
        explanation=row.explanation,
        headline=row.headline,
        headline_code=row.headline_code,
        status=row.status,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        version=row.version,
        remote_attempts=attempts,
    )


def visit(conn: Connection, row: Row[Any]) -> schemas.Visit:
    """A visit with the remote attempts of its insights (as the sync pull gives them)."""
    return visits(conn, [row])[0]


def visits(conn: Connection, rows: Iterable[Row[Any]]) -> list[schemas.Visit]:
    rows = list(rows)
    found = attempts_by_insight(conn, {i for row in rows for i in row.insight_ids})
    return [
        _visit(row, [a for i in row.insight_ids for a in found.get(i, [])]) for row in rows
    ]


def _visit(row: Row[Any], attempts: list[schemas.RemoteAttempt]) -> schemas.Visit:
    return schemas.Visit(
        id=row.id,
        site_id=row.site_id,
        technician_id=row.technician_id,
        asset_ids=row.asset_ids,
        insight_ids=row.insight_ids,
        window_start=utc(row.window_start),
        window_end=utc(row.window_end),
        priority=row.priority,
        status=row.status,
        summary=row.summary,
        summary_code=row.summary_code,
        office_notes=row.office_notes,
        technician_notes=row.technician_notes,
        outcome=row.outcome,
        version=row.version,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        remote_attempts=attempts,
    )


def template(row: Row[Any]) -> schemas.ChecklistTemplate:
    return schemas.ChecklistTemplate(
        id=row.id,
        asset_kind=row.asset_kind,
        name=row.name,
        steps=row.steps,
        version=row.version,
        updated_at=utc(row.updated_at),
    )


def session(row: Row[Any]) -> schemas.SessionRecord:
    return schemas.SessionRecord(
        id=row.id,
        visit_id=row.visit_id,
        technician_id=row.technician_id,
        status=row.status,
        step=row.step,
        data=row.data,
        attachments=row.attachments,
        started_at=utc(row.started_at),
        completed_at=_opt_utc(row.completed_at),
        version=row.version,
        updated_at=utc(row.updated_at),
    )


def session_row(record: schemas.SessionRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "visit_id": record.visit_id,
        "technician_id": record.technician_id,
        "status": record.status,
        "step": record.step,
        "data": record.data,
        "attachments": record.attachments,
        "started_at": record.started_at.timestamp(),
        "completed_at": record.completed_at.timestamp() if record.completed_at else None,
        "version": record.version,
        "updated_at": record.updated_at.timestamp(),
    }


# Row converters; sites, visits and insights without their remote fixes and attempts
# (``load`` adds them).
ENTITIES: Mapping[str, tuple[Table, Callable[[Row[Any]], BaseModel]]] = {
    "site": (db.sites, lambda row: _site(row, [])),
    "asset": (db.assets, asset),
    "insight": (db.insights, lambda row: _insight(row, [])),
    "visit": (db.visits, lambda row: _visit(row, [])),
    "template": (db.templates, template),
    "session": (db.sessions, session),
}


@lru_cache(maxsize=16_384)  # records written together share their timestamps
def _iso(ts: float) -> str:
    """An epoch as pydantic writes an aware UTC datetime (``...Z``)."""
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def _opt_iso(ts: float | None) -> str | None:
    return None if ts is None else _iso(ts)


def _number(value: Any) -> Any:
    """A float field's value as pydantic dumps it (ints become floats)."""
    return float(value) if type(value) is int else value


# Trusted rows straight to JSON-ready dicts, equal to ``convert(row).model_dump(mode="json")``
# (a test compares the two over a whole demo office); entities without one go through pydantic.
def _site_json(row: Row[Any]) -> dict[str, Any]:
    r = row._mapping
    return {
        "id": r["id"],
        "customer_name": r["customer_name"],
        "name": r["name"],
        "address": r["address"],
        "latitude": float(r["latitude"]),
        "longitude": float(r["longitude"]),
        "region": r["region"],
        "contact_name": r["contact_name"],
        "contact_phone": r["contact_phone"],
        "contact_email": r["contact_email"],
        "access_notes": r["access_notes"],
        "language": r["language"],
        "contract": r["contract"],
        "version": r["version"],
        "updated_at": _iso(r["updated_at"]),
        "remote_fixes": [],  # filled in by load()
    }


def _asset_json(row: Row[Any]) -> dict[str, Any]:
    r = row._mapping
    return {
        "id": r["id"],
        "site_id": r["site_id"],
        "kind": r["kind"],
        "model": r["model"],
        "serial": r["serial"],
        "install_date": date.fromisoformat(r["install_date"]).isoformat(),
        "service_limits": {k: float(v) for k, v in r["service_limits"].items()},
        "version": r["version"],
        "updated_at": _iso(r["updated_at"]),
    }


def client_kinds(header: str | None) -> frozenset[str]:
    """The insight kinds a client reads, from its ``X-Insight-Kinds`` header (absent:
    a client from before the header, which reads the legacy kinds only)."""
    if not header:
        return LEGACY_INSIGHT_KINDS
    return frozenset(k.strip() for k in header.split(",") if k.strip())


def without_text_codes(data: dict[str, Any]) -> dict[str, Any]:
    """A record as a client from before the codes parses it (the English text stays)."""
    return {k: v for k, v in data.items() if k not in schemas.ADDITIVE_FIELDS}


def insight_for(data: dict[str, Any], kinds: frozenset[str]) -> dict[str, Any]:
    """An insight as a client reading ``kinds`` can parse: a kind it does not know is
    sent as its fallback (the headline and explanation still say what happened)."""
    kind = data["kind"]
    if kind in kinds or kind not in INSIGHT_KIND_FALLBACK:
        return data
    return {**data, "kind": INSIGHT_KIND_FALLBACK[kind]}


def _insight_json(row: Row[Any]) -> dict[str, Any]:
    r = row._mapping
    return {
        "id": r["id"],
        "asset_id": r["asset_id"],
        "site_id": r["site_id"],
        "metric": r["metric"],
        "kind": r["kind"],
        "severity": r["severity"],
        "confidence": float(r["confidence"]),
        "predicted_impact_at": _opt_iso(r["predicted_impact_at"]),
        "evidence": {k: _number(v) for k, v in r["evidence"].items()},
        "explanation": r["explanation"],
        "headline": r["headline"],
        "headline_code": r["headline_code"],
        "status": r["status"],
        "created_at": _iso(r["created_at"]),
        "updated_at": _iso(r["updated_at"]),
        "version": r["version"],
        "remote_attempts": [],  # filled in by load()
    }


def _visit_json(row: Row[Any]) -> dict[str, Any]:
    r = row._mapping
    return {
        "id": r["id"],
        "site_id": r["site_id"],
        "technician_id": r["technician_id"],
        "asset_ids": list(r["asset_ids"]),
        "insight_ids": list(r["insight_ids"]),
        "window_start": _iso(r["window_start"]),
        "window_end": _iso(r["window_end"]),
        "priority": r["priority"],
        "status": r["status"],
        "summary": r["summary"],
        "summary_code": r["summary_code"],
        "office_notes": r["office_notes"],
        "technician_notes": r["technician_notes"],
        "outcome": r["outcome"],
        "version": r["version"],
        "created_at": _iso(r["created_at"]),
        "updated_at": _iso(r["updated_at"]),
        "remote_attempts": [],  # filled in by load()
    }


def _via_model(convert: Callable[[Row[Any]], BaseModel]) -> Callable[[Row[Any]], dict[str, Any]]:
    return lambda row: convert(row).model_dump(mode="json")


JSON_RECORDS: Mapping[str, Callable[[Row[Any]], dict[str, Any]]] = {
    "site": _site_json,
    "asset": _asset_json,
    "insight": _insight_json,
    "visit": _visit_json,
    "template": _via_model(template),  # nested step defaults: let the model fill them in
    "session": _via_model(session),  # free-form data: let the model check it
}


def load(conn: Connection, entity: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """JSON-ready records of ``entity`` by id (missing ids are left out)."""
    table = ENTITIES[entity][0]
    convert = JSON_RECORDS[entity]
    wanted = list(ids)
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for row in conn.execute(select(table).where(table.c.id.in_(chunk))):
            found[row.id] = convert(row)
    attach_attempts(conn, entity, found)  # devices: remote attempts of visits and insights
    return found


def get_row(conn: Connection, table: Table, ident: str) -> Row[Any] | None:
    return conn.execute(select(table).where(table.c.id == ident)).first()
