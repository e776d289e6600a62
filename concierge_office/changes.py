# SPDX-License-Identifier: Apache-2.0
"""Change log, per-technician feed and visibility.

Every change appends a row to ``changes`` (its ``seq`` is the pull order) in the
transaction of the change itself.  ``feed`` keeps, per technician, the latest
change of each entity they can see, tombstones included; a pull reads it by seq.

A technician sees their non-cancelled visits, the sites, assets and insights
those visits reference, the templates of those assets' kinds, and their sessions.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, delete, exists, func, select

from concierge.domain import VisitStatus
from concierge.protocol import schemas
from concierge_office import db
from concierge_office.db import Database

Key = tuple[str, str]  # (entity, id)
Entry = tuple[str | None, Key, int, bool]  # (technician or nobody, key, version, deleted)

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
) -> int:
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
    return seq


def record_change(
    database: Database, conn: Connection, key: Key, version: int, op_id: str | None = None
) -> None:
    """Log a content change and publish it to every technician who sees the entity."""
    record_changes(database, conn, [(key, version)], op_id)


def record_changes(
    database: Database, conn: Connection, changes: list[tuple[Key, int]], op_id: str | None = None
) -> None:
    """``record_change`` of several changes (keys and new versions), in order."""
    if not changes:
        return
    f = db.feed
    audience: dict[Key, list[str]] = {}
    live = select(f.c.entity, f.c.entity_id, f.c.technician_id).where(
        f.c.entity_id.in_(sorted({ident for (_, ident), _ in changes})), f.c.deleted.is_(False)
    )
    for entity, entity_id, technician_id in conn.execute(live.order_by(f.c.technician_id)):
        audience.setdefault((entity, entity_id), []).append(technician_id)
    entries: list[Entry] = []
    for key, version in changes:
        seen_by: list[str | None] = list(audience.get(key, ())) or [None]  # None: nobody
        entries += [(technician_id, key, version, False) for technician_id in seen_by]
    _publish_all(database, conn, entries, op_id)


def publish_own(
    database: Database,
    conn: Connection,
    technician_id: str,
    key: Key,
    version: int,
    *,
    visible: bool,
    op_id: str | None = None,
    withdrawal: Withdrawal | None = None,
) -> None:
    """Publish a change of a technician's own visit or session (a tombstone if not visible;
    ``withdrawal`` says why a visit's tombstone took it off their round)."""
    if visible:
        _publish(database, conn, technician_id, key, version, deleted=False, op_id=op_id)
    elif _is_live(conn, technician_id, key):
        seq = _publish(database, conn, technician_id, key, version, deleted=True, op_id=op_id)
        if withdrawal is not None and key[0] == "visit":
            _record_withdrawal(database, conn, technician_id, key[1], seq=seq,
                               withdrawal=withdrawal)
    else:
        _append(conn, None, key, version, deleted=True, op_id=op_id)


@dataclass(frozen=True)
class Withdrawal:
    """Why the office took a visit off a technician: a code from ``WITHDRAWAL_CODES`` and
    the office's note, in the office's words."""

    code: str
    note: str = ""


def _record_withdrawal(
    database: Database, conn: Connection, technician_id: str, visit_id: str, *, seq: int,
    withdrawal: Withdrawal,
) -> None:
    assert withdrawal.code in schemas.WITHDRAWAL_CODES, withdrawal.code
    values = {"seq": seq, "code": withdrawal.code, "note": withdrawal.note, "at": time.time()}
    conn.execute(
        database.upsert(db.withdrawals, ["technician_id", "visit_id"]).values(
            technician_id=technician_id, visit_id=visit_id, **values
        )
    )


def withdrawals_for(
    conn: Connection, technician_id: str, tombstones: dict[str, int]
) -> dict[str, dict[str, Any]]:
    """The reasons of a technician's visit tombstones (visit id: its seq), in wire form;
    a tombstone without a recorded reason (or with an older one) has none."""
    if not tombstones:
        return {}
    w = db.withdrawals
    rows = conn.execute(
        select(w.c.visit_id, w.c.seq, w.c.code, w.c.note, w.c.at).where(
            w.c.technician_id == technician_id, w.c.visit_id.in_(sorted(tombstones))
        )
    )
    return {
        row.visit_id: {
            "code": row.code,
            "note": row.note,
            "at": datetime.fromtimestamp(row.at, UTC).isoformat(),
        }
        for row in rows
        if row.seq == tombstones[row.visit_id]
    }


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
    return set().union(*_refs_by_visit(conn, visit_ids).values())


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
    if wanted["asset"]:  # per asset, one of its visits (not all of a technician's visits)
        stmt = select(va.c.asset_id).distinct().where(
            va.c.asset_id.in_(wanted["asset"]), exists().where(v.c.id == va.c.visit_id, own)
        )
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
    live = _live_derived(conn, [technician_id]).get(technician_id, {})
    live = {key: version for key, version in live.items() if key in candidates}
    appear = sorted(visible - live.keys())
    versions = _versions(conn, appear)
    entries: list[Entry] = [(technician_id, key, versions[key], False) for key in appear]
    entries += [(technician_id, key, live[key], True) for key in sorted(live.keys() - visible)]
    _publish_all(database, conn, entries)


def publish_visits(
    database: Database, conn: Connection, visits: list[tuple[str, str, int]]
) -> None:
    """Publish new versions of open visits: (technician, visit id, version), each visit once.

    The same changes in the same order as ``publish_own`` then ``refresh_visibility`` of
    its references, visit by visit (a technician sees everything their open visit
    references, so that publishes the references not live yet), in a few statements.
    """
    if not visits:
        return
    ids = [visit_id for _, visit_id, _ in visits]
    assert len(set(ids)) == len(ids), "a visit is published once per batch"
    refs = _refs_by_visit(conn, ids)
    live = {
        tech: set(keys) for tech, keys in _live_derived(conn, {t for t, _, _ in visits}).items()
    }
    news: list[tuple[str, str, int, list[Key]]] = []
    for technician_id, visit_id, version in visits:
        seen = live.setdefault(technician_id, set())
        new = sorted(refs[visit_id] - seen)
        seen.update(new)
        news.append((technician_id, visit_id, version, new))
    versions = _versions(conn, [key for *_, new in news for key in new])
    entries: list[Entry] = []
    for technician_id, visit_id, version, new in news:
        entries.append((technician_id, ("visit", visit_id), version, False))
        entries += [(technician_id, key, versions[key], False) for key in new]
    _publish_all(database, conn, entries)


def _publish_all(
    database: Database, conn: Connection, entries: list[Entry], op_id: str | None = None
) -> None:
    """``_publish`` (or ``_append`` for nobody) of many entries in order, in three statements:
    the log's last seq, the log rows, and the feed upserted from the latest new row of each
    technician and entity."""
    if not entries:
        return
    c, f = db.changes, db.feed
    last = conn.execute(select(func.max(c.c.seq))).scalar_one_or_none() or 0
    now = time.time()
    conn.execute(
        c.insert(),
        [
            {
                "technician_id": technician_id,
                "entity": entity,
                "entity_id": entity_id,
                "version": version,
                "deleted": deleted,
                "op_id": op_id,
                "at": now,
            }
            for technician_id, (entity, entity_id), version, deleted in entries
        ],
    )
    if all(technician_id is None for technician_id, *_ in entries):
        return
    keys = ("technician_id", "entity", "entity_id")
    names = [*keys, "seq", "version", "deleted", "at"]
    latest = (
        select(func.max(c.c.seq))
        .where(c.c.seq > last, c.c.technician_id.is_not(None))
        .group_by(*(c.c[name] for name in keys))
    )
    logged = select(*(c.c[name] for name in names)).where(c.c.seq.in_(latest))
    upsert = database.dialect_insert(f).from_select(names, logged)
    updates = {name: upsert.excluded[name] for name in names if name not in keys}
    conn.execute(upsert.on_conflict_do_update(index_elements=list(keys), set_=updates))


def _live_derived(conn: Connection, technicians: Iterable[str]) -> dict[str, dict[Key, int]]:
    """Per technician, the sites, assets, insights and templates they see, with versions."""
    f = db.feed
    rows = conn.execute(
        select(f.c.technician_id, f.c.entity, f.c.entity_id, f.c.version).where(
            f.c.technician_id.in_(list(technicians)),
            f.c.deleted.is_(False),
            f.c.entity.in_(DERIVED),
        )
    )
    live: dict[str, dict[Key, int]] = {}
    for technician_id, entity, entity_id, version in rows:
        live.setdefault(technician_id, {})[(entity, entity_id)] = version
    return live


def _refs_by_visit(conn: Connection, visit_ids: list[str]) -> dict[str, set[Key]]:
    """``visit_refs`` of each visit on its own, in four queries for all of them."""
    if not visit_ids:
        return {}
    v, va, vi, a, t = db.visits, db.visit_assets, db.visit_insights, db.assets, db.templates
    refs: dict[str, set[Key]] = {visit_id: set() for visit_id in visit_ids}
    for visit_id, site_id in conn.execute(select(v.c.id, v.c.site_id).where(v.c.id.in_(visit_ids))):
        refs[visit_id].add(("site", site_id))
    kinds: dict[str, set[str]] = {visit_id: set() for visit_id in visit_ids}
    linked = select(va.c.visit_id, va.c.asset_id, a.c.kind).join(a, a.c.id == va.c.asset_id)
    for visit_id, asset_id, kind in conn.execute(linked.where(va.c.visit_id.in_(visit_ids))):
        refs[visit_id].add(("asset", asset_id))
        kinds[visit_id].add(kind)
    insights = select(vi.c.visit_id, vi.c.insight_id).where(vi.c.visit_id.in_(visit_ids))
    for visit_id, insight_id in conn.execute(insights):
        refs[visit_id].add(("insight", insight_id))
    by_kind: dict[str, set[str]] = {}
    wanted = set().union(*kinds.values())
    for ident, kind in conn.execute(
        select(t.c.id, t.c.asset_kind).where(t.c.asset_kind.in_(wanted))
    ):
        by_kind.setdefault(kind, set()).add(ident)
    for visit_id, visit_kinds in kinds.items():
        for kind in visit_kinds:
            refs[visit_id] |= {("template", ident) for ident in by_kind.get(kind, ())}
    return refs


_TABLES = {"site": db.sites, "asset": db.assets, "insight": db.insights, "template": db.templates}


def _versions(conn: Connection, keys: Iterable[Key]) -> dict[Key, int]:
    """Current versions of sites, assets, insights and templates (one query per entity)."""
    wanted: dict[str, set[str]] = {}
    for entity, ident in keys:
        wanted.setdefault(entity, set()).add(ident)
    versions: dict[Key, int] = {}
    for entity, ids in wanted.items():
        table = _TABLES[entity]
        stmt = select(table.c.id, table.c.version).where(table.c.id.in_(sorted(ids)))
        versions |= {(entity, ident): int(version) for ident, version in conn.execute(stmt)}
    return versions


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
