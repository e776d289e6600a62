# SPDX-License-Identifier: Apache-2.0
"""Fast bulk data for benchmarks: many visits, assets and readings for one technician."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select

from concierge.domain import METRIC_CATALOGUE, AssetKind
from concierge_office import db
from concierge_office.accounts import DEMO_PASSWORD_HASH, ensure_admin
from concierge_office.db import Database
from concierge_office.demo_templates import template_rows
from concierge_office.series import store_readings

_KINDS = tuple(AssetKind)
_CHUNK = 100_000


def seed_bulk(
    database_url: str,
    *,
    technician_login: str,
    visits: int,
    assets: int,
    telemetry_assets: int,
    telemetry_days: float,
    step_seconds: int,
) -> None:
    """Add a technician with ``visits`` visits over ``assets`` assets, plus readings.

    The first ``telemetry_assets`` assets get every metric of their kind every
    ``step_seconds`` over the last ``telemetry_days``.  Changes are logged and
    fed to the technician exactly as live ones would be.
    """
    database = Database(database_url)
    try:
        database.create_schema()
        ensure_admin(database)
        now = time.time()
        tech = f"tech-{technician_login}"
        n_sites = max(1, assets // 4)
        site_ids = [f"bulk-site-{i:05d}" for i in range(n_sites)]
        asset_rows = [_asset(i, site_ids[i % n_sites], now) for i in range(assets)]
        with database.write() as conn:
            conn.execute(
                db.users.insert().values(
                    id=tech,
                    login=technician_login,
                    name=technician_login.title(),
                    role="technician",
                    region="north",
                    skills=[k.value for k in _KINDS],
                    password_hash=DEMO_PASSWORD_HASH,
                )
            )
            conn.execute(db.sites.insert(), [_site(s, now) for s in site_ids])
            conn.execute(db.assets.insert(), asset_rows)
            if conn.execute(select(func.count()).select_from(db.templates)).scalar_one() == 0:
                conn.execute(db.templates.insert(), template_rows(now))
            visit_ids = _visits(
                conn, tech, count=visits, site_ids=site_ids, asset_rows=asset_rows, now=now
            )
            _feed(conn, tech, asset_rows=asset_rows, visit_ids=visit_ids, now=now)
        _telemetry(database, asset_rows[:telemetry_assets], now, telemetry_days, step_seconds)
    finally:
        database.dispose()


def _site(site_id: str, now: float) -> dict[str, Any]:
    n = int(site_id.rsplit("-", 1)[1])
    return {
        "id": site_id,
        "customer_name": f"Customer {n}",
        "name": f"Building {n}",
        "address": f"Street {n}, 20{n % 1000:03d} Hamburg",
        "latitude": 53.5 + n * 1e-4,
        "longitude": 10.0 + n * 1e-4,
        "region": "north",
        "contact_name": "",
        "contact_phone": "",
        "contact_email": "",
        "access_notes": "",
        "version": 1,
        "updated_at": now,
    }


def _asset(i: int, site_id: str, now: float) -> dict[str, Any]:
    kind = _KINDS[i % len(_KINDS)]
    limits = {s.key: s.service_limit for s in METRIC_CATALOGUE[kind] if s.service_limit}
    return {
        "id": f"bulk-asset-{i:05d}",
        "site_id": site_id,
        "kind": kind.value,
        "model": "Bulk model",
        "serial": f"B{i:07d}",
        "install_date": "2020-01-01",
        "service_limits": limits,
        "version": 1,
        "updated_at": now,
    }


def _visits(
    conn: Connection,
    tech: str,
    *,
    count: int,
    site_ids: list[str],
    asset_rows: list[dict[str, Any]],
    now: float,
) -> list[str]:
    by_site: dict[str, list[str]] = {}
    for a in asset_rows:
        by_site.setdefault(a["site_id"], []).append(a["id"])
    rows: list[dict[str, Any]] = []
    links: list[dict[str, str]] = []
    for v in range(count):
        site = site_ids[v % len(site_ids)]
        assets = by_site.get(site, [])[:2]
        start = now + (v % 90) * 86_400.0
        ident = f"bulk-visit-{tech}-{v:06d}"
        rows.append(
            {
                "id": ident,
                "site_id": site,
                "technician_id": tech,
                "asset_ids": assets,
                "insight_ids": [],
                "window_start": start,
                "window_end": start + 4 * 3600,
                "priority": 1 + v % 4,
                "summary": f"Routine check {v}",
                **db.new_visit_fields(now),
            }
        )
        links.extend({"visit_id": ident, "asset_id": a} for a in assets)
    for start in range(0, len(rows), 5000):
        conn.execute(db.visits.insert(), rows[start : start + 5000])
    if links:
        conn.execute(db.visit_assets.insert(), links)
    return [r["id"] for r in rows]


def _feed(
    conn: Connection,
    tech: str,
    *,
    asset_rows: list[dict[str, Any]],
    visit_ids: list[str],
    now: float,
) -> None:
    """Log and feed everything the technician now sees, with consecutive seqs."""
    va, v = db.visit_assets, db.visits
    own = (
        select(va.c.asset_id)
        .join(v, v.c.id == va.c.visit_id)
        .where(v.c.technician_id == tech)
        .distinct()
    )
    linked = set(conn.execute(own).scalars())
    kinds = {a["kind"] for a in asset_rows if a["id"] in linked}
    keys = [("template", f"tpl-{k}") for k in sorted(kinds)]
    keys += [("site", s) for s in sorted({a["site_id"] for a in asset_rows if a["id"] in linked})]
    keys += [("asset", a) for a in sorted(linked)] + [("visit", v) for v in visit_ids]
    first = int(conn.execute(select(func.max(db.changes.c.seq))).scalar_one() or 0) + 1
    change_rows = [
        {
            "seq": first + i,
            "technician_id": tech,
            "entity": e,
            "entity_id": ident,
            "version": 1,
            "deleted": False,
            "op_id": None,
            "at": now,
        }
        for i, (e, ident) in enumerate(keys)
    ]
    feed_rows = [
        {
            k: r[k]
            for k in ("technician_id", "entity", "entity_id", "seq", "version", "deleted", "at")
        }
        for r in change_rows
    ]
    for start in range(0, len(change_rows), 5000):
        conn.execute(db.changes.insert(), change_rows[start : start + 5000])
        conn.execute(db.feed.insert(), feed_rows[start : start + 5000])
    if conn.dialect.name == "postgresql":  # seqs given explicitly: the sequence follows them
        conn.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('changes', 'seq'), "
            "(SELECT max(seq) FROM changes))"
        )


def _telemetry(
    database: Database, asset_rows: list[dict[str, Any]], now: float, days: float, step: int
) -> None:
    t = np.arange(now - days * 86_400.0, now, step, dtype=np.float64)
    rng = np.random.default_rng(7)
    ts = t.tolist()
    batch: list[tuple[str, str, float, float]] = []
    for a in asset_rows:
        for spec in METRIC_CATALOGUE[AssetKind(a["kind"])]:
            mid = (spec.normal_low + spec.normal_high) / 2 or 1.0
            values = (
                mid
                + 0.1 * mid * np.sin(2 * np.pi * t / 86_400.0)
                + rng.normal(0, 0.02 * abs(mid), t.size)
            )
            batch.extend(
                zip([a["id"]] * t.size, [spec.key] * t.size, ts, values.tolist(), strict=True)
            )
            if len(batch) >= _CHUNK:
                _flush(database, batch)
    _flush(database, batch)


def _flush(database: Database, batch: list[tuple[str, str, float, float]]) -> None:
    if batch:
        with database.write() as conn:
            store_readings(database, conn, batch)
        batch.clear()
