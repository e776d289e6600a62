"""Change log, per-technician feed and visibility.

Every change appends a row to ``changes`` (its ``seq`` is the pull order) in the
transaction of the change itself.  ``feed`` keeps, per technician, the latest
change of each entity they can see, tombstones included; a pull reads it by seq.

A technician sees their non-cancelled visits, the sites, assets and insights
those visits reference, the templates of those assets' kinds, and their sessions.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, Select, and_, delete, func, select

from concierge.backoffice import db
from concierge.backoffice.db import Database
from concierge.domain import VisitStatus

Key = tuple[str, str]  # (entity, id)

DERIVED = ("site", "asset", "insight", "template")


def _append(
    conn: Connection,
    technician_id: str | None,
    key: Key,
    version: int,
    *,
    deleted: bool,
    op_id: str | None,
) -> int:
    entity, entity_id = key
    now = time.time()
    seq = conn.execute(
        db.changes.insert().values(
            technician_id=technician_id,
            entity=entity,
            entity_id=entity_id,
            version=version,
            deleted=deleted,
            op_id=op_id,
            at=now,
        )
    ).inserted_primary_key
    assert seq is not None
    return int(seq[0])


def _publish(
    database: Database,
    conn: Connection,
    technician_id: str,
    key: Key,
    version: int,
    *,
    deleted: bool,
    op_id: str | None,
) -> None:
    entity, entity_id = key
    seq = _append(conn, technician_id, key, version, deleted=deleted, op_id=op_id)
    conn.execute(
        database.upsert(db.feed, ["technician_id", "entity", "entity_id"]).values(
            technician_id=technician_id,
            entity=entity,
            entity_id=entity_id,
            seq=seq,
            version=version,
            deleted=deleted,
            at=time.time(),
        )
    )


def _live_audience(conn: Connection, key: Key) -> list[str]:
    f = db.feed
    return list(
        conn.execute(
            select(f.c.technician_id).where(
                f.c.entity == key[0], f.c.entity_id == key[1], f.c.deleted.is_(False)
            )
        ).scalars()
    )


def record_change(
    database: Database, conn: Connection, key: Key, version: int, op_id: str | None = None
) -> None:
    """Log a content change and publish it to every technician who sees the entity."""
    audience = _live_audience(conn, key)
    if not audience:
        _append(conn, None, key, version, deleted=False, op_id=op_id)
    for technician_id in audience:
        _publish(database, conn, technician_id, key, version, deleted=False, op_id=op_id)


def publish_own(
    database: Database,
    conn: Connection,
    technician_id: str,
    key: Key,
    version: int,
    *,
    visible: bool,
    op_id: str | None = None,
) -> None:
    """Publish a change of a technician's own visit or session (a tombstone if not visible)."""
    if visible:
        _publish(database, conn, technician_id, key, version, deleted=False, op_id=op_id)
    elif _is_live(conn, technician_id, key):
        _publish(database, conn, technician_id, key, version, deleted=True, op_id=op_id)
    else:
        _append(conn, None, key, version, deleted=True, op_id=op_id)


def _is_live(conn: Connection, technician_id: str, key: Key) -> bool:
    f = db.feed
    row = conn.execute(
        select(f.c.deleted).where(
            f.c.technician_id == technician_id, f.c.entity == key[0], f.c.entity_id == key[1]
        )
    ).first()
    return row is not None and not row.deleted


def visit_refs(conn: Connection, visit_ids: list[str]) -> set[Key]:
    """The sites, assets, insights and templates referenced by some visits."""
    if not visit_ids:
        return set()
    v, va, vi, a = db.visits, db.visit_assets, db.visit_insights, db.assets
    refs: set[Key] = {
        ("site", s) for s in _column(conn, select(v.c.site_id).where(v.c.id.in_(visit_ids)))
    }
    linked = select(va.c.asset_id, a.c.kind).join(a, a.c.id == va.c.asset_id)
    kinds: set[str] = set()
    for asset_id, kind in conn.execute(linked.where(va.c.visit_id.in_(visit_ids))):
        refs.add(("asset", asset_id))
        kinds.add(kind)
    insight_ids = select(vi.c.insight_id).where(vi.c.visit_id.in_(visit_ids))
    refs |= {("insight", i) for i in _column(conn, insight_ids)}
    templates = select(db.templates.c.id).where(db.templates.c.asset_kind.in_(kinds))
    refs |= {("template", t) for t in _column(conn, templates)}
    return refs


def _column(conn: Connection, stmt: Select[Any]) -> set[str]:
    return {str(value) for value in conn.execute(stmt).scalars()}


def visible_among(conn: Connection, technician_id: str, candidates: set[Key]) -> set[Key]:
    """The candidates a technician sees through their non-cancelled visits."""
    v, va, vi, a, t = db.visits, db.visit_assets, db.visit_insights, db.assets, db.templates
    own = and_(v.c.technician_id == technician_id, v.c.status != VisitStatus.CANCELLED.value)
    wanted = {entity: [i for e, i in candidates if e == entity] for entity in DERIVED}
    found: set[Key] = set()
    if wanted["site"]:
        stmt = select(v.c.site_id).where(own, v.c.site_id.in_(wanted["site"]))
        found |= {("site", i) for i in _column(conn, stmt)}
    if wanted["asset"]:
        stmt = select(va.c.asset_id).join(v, v.c.id == va.c.visit_id)
        stmt = stmt.where(own, va.c.asset_id.in_(wanted["asset"]))
        found |= {("asset", i) for i in _column(conn, stmt)}
    if wanted["insight"]:
        stmt = select(vi.c.insight_id).join(v, v.c.id == vi.c.visit_id)
        stmt = stmt.where(own, vi.c.insight_id.in_(wanted["insight"]))
        found |= {("insight", i) for i in _column(conn, stmt)}
    if wanted["template"]:
        kinds = select(a.c.kind).join(va, va.c.asset_id == a.c.id).join(v, v.c.id == va.c.visit_id)
        stmt = select(t.c.id).where(
            t.c.id.in_(wanted["template"]), t.c.asset_kind.in_(kinds.where(own))
        )
        found |= {("template", i) for i in _column(conn, stmt)}
    return found


def refresh_visibility(
    database: Database, conn: Connection, technician_id: str, candidates: set[Key]
) -> None:
    """Publish candidates that became visible and tombstone those that no longer are."""
    if not candidates:
        return
    visible = visible_among(conn, technician_id, candidates)
    f = db.feed
    live = {
        (row.entity, row.entity_id): row.version
        for row in conn.execute(
            select(f.c.entity, f.c.entity_id, f.c.version).where(
                f.c.technician_id == technician_id,
                f.c.deleted.is_(False),
                f.c.entity.in_(DERIVED),
            )
        )
        if (row.entity, row.entity_id) in candidates
    }
    for key in sorted(visible - live.keys()):
        _publish(database, conn, technician_id, key, _version(conn, key), deleted=False, op_id=None)
    for key in sorted(live.keys() - visible):
        _publish(database, conn, technician_id, key, live[key], deleted=True, op_id=None)


def _version(conn: Connection, key: Key) -> int:
    table = {
        "site": db.sites,
        "asset": db.assets,
        "insight": db.insights,
        "template": db.templates,
    }[key[0]]
    version = conn.execute(select(table.c.version).where(table.c.id == key[1])).scalar_one()
    return int(version)


def purge_tombstones(database: Database, conn: Connection, older_than: float) -> int:
    """Drop old tombstones; cursors from before them must then re-snapshot."""
    f = db.feed
    old = and_(f.c.deleted.is_(True), f.c.at < older_than)
    horizon = conn.execute(select(func.max(f.c.seq)).where(old)).scalar_one_or_none()
    if horizon is None:
        return 0
    removed = conn.execute(delete(f).where(old)).rowcount
    current = int(db.meta_get(conn, "tombstone_horizon_seq") or 0)
    db.meta_set(database, conn, "tombstone_horizon_seq", str(max(current, int(horizon))))
    return int(removed)
