# SPDX-License-Identifier: Apache-2.0
"""A deterministic demo fleet: people, sites, assets, templates and telemetry.

``build_fleet(seed, anchor)`` describes it; ``seed_fleet`` stores people, sites,
assets and templates (quick), then ``finish_demo`` stores 30 days of two-hourly
history ending at ``anchor`` and runs the proactive engine, which creates the
demo's insights and visits.  The back office runs ``finish_demo`` in the
background while it already serves (data requests wait for it).  Most assets are healthy; some drift
towards a threshold, some shift level, a few counters near their service limit.
``LiveTelemetry`` keeps the same signals flowing afterwards.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from itertools import repeat
from typing import Any

import numpy as np
from sqlalchemy import Connection, Integer, literal, select

from concierge.domain import METRIC_CATALOGUE, AssetKind, BadDirection, MetricSpec
from concierge_office import db
from concierge_office.accounts import (
    ADMIN_LOGIN,
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    DEMO_PASSWORD_HASH,
    ensure_admin,
)
from concierge_office.bulk import seed_bulk
from concierge_office.db import Database
from concierge_office.demo_templates import template_rows
from concierge_office.engine import FloatArray, ProactiveEngine
from concierge_office.foresight import start_after
from concierge_office.series import HOUR, Reading, series_ids, store_readings
from concierge_office.state import Clock

__all__ = [
    "ADMIN_LOGIN",
    "ADMIN_PASSWORD",
    "DEMO_PASSWORD",
    "DEMO_TECHNICIANS",
    "LiveTelemetry",
    "build_fleet",
    "ensure_admin",
    "finish_demo",
    "seed_bulk",
    "seed_fleet",
]

DEMO_TECHNICIANS: tuple[str, ...] = ("ana", "ben", "chloe")

DAY = 86_400.0
HISTORY_DAYS = 30
# Stored history is two-hourly: the engine's trend fit bins a month into two-hour medians
# anyway, and the recent two days still have the 24 points a deviation check needs.
HISTORY_STEP = 7200.0
LIVE_STEP = 60.0

_E, _G, _H = AssetKind.ELEVATOR, AssetKind.CABLE_GATEWAY, AssetKind.HEAT_PUMP
_PEOPLE = (
    ("ana", "Ana Ferreira", "north", (_E, _G, _H)),
    ("ben", "Ben Okafor", "central", (_E, _G, _H)),
    ("chloe", "Chloé Martin", "south", (_E, _H)),
)
DEMO_TIMEZONE = "Europe/Berlin"
_REGIONS = {  # region: (city, postcode prefix, latitude, longitude)
    "north": ("Hamburg", "20", 53.55, 9.99),
    "central": ("Frankfurt am Main", "60", 50.11, 8.68),
    "south": ("München", "80", 48.14, 11.58),
}
_CUSTOMERS = (
    "Harbour View Residences",
    "Lindenhof Offices",
    "Stadtwerke Plaza",
    "Meridian Medical Centre",
    "Parkside Cooperative",
    "Alte Mühle Lofts",
    "Rheinblick Hotel",
    "Nordstern Logistics",
    "Greenfield School",
    "Sonnenhof Care Home",
    "Atrium Shopping",
    "Quarry Lane Apartments",
    "Fenwick Law Chambers",
    "Isar Tech Campus",
)
_BUILDINGS = (
    "Tower A",
    "Tower B",
    "Main building",
    "East wing",
    "Annex",
    "Block C",
    "Garden house",
)
_STREETS = (
    "Hauptstraße",
    "Gartenweg",
    "Am Markt",
    "Bahnhofstraße",
    "Lindenallee",
    "Hafenstraße",
    "Schillerplatz",
    "Mühlenweg",
    "Kirchgasse",
    "Industriestraße",
)
_CONTACTS = (
    "M. Weber",
    "S. Becker",
    "J. Novak",
    "L. Schulz",
    "T. Yilmaz",
    "K. Hoffmann",
    "R. Costa",
)
_ACCESS = (
    "Key at the front desk; ask for facility management.",
    "Ring the caretaker (flat 1); parking in the courtyard.",
    "Badge required: collect at security with ID.",
    "Plant room behind the garage, code 4711.",
    "Call the contact 30 minutes before arrival.",
    "",
)
_MODELS = {
    _E: ("Schindler 3300", "KONE MonoSpace 500", "Otis Gen2 Life"),
    _G: ("Technicolor CGA4233", "Arris TG3442", "Sagemcom F@st 3896"),
    _H: ("Vaillant aroTHERM plus", "Viessmann Vitocal 250-A", "Daikin Altherma 3 H"),
}
# metric: (level's position in the normal range; daily, weekly, noise as fractions of its width)
_PROFILE = {
    "door_cycle_time": (0.35, 0.05, 0.02, 0.04),
    "motor_temp": (0.4, 0.1, 0.03, 0.03),
    "vibration": (0.35, 0.05, 0.02, 0.05),
    "trips_per_hour": (0.4, 0.35, 0.1, 0.05),
    "availability": (0.8, 0.0, 0.0, 0.05),
    "snr": (0.6, 0.05, 0.02, 0.05),
    "uncorrectable_codewords": (0.2, 0.05, 0.0, 0.08),
    "latency": (0.3, 0.1, 0.03, 0.05),
    "throughput": (0.6, 0.15, 0.05, 0.05),
    "cop": (0.5, 0.1, 0.03, 0.04),
    "supply_temp": (0.5, 0.1, 0.03, 0.04),
    "defrost_cycles": (0.4, 0.05, 0.02, 0.08),
}
_DRIFTS = {
    _E: ("door_cycle_time", "motor_temp", "vibration"),
    _G: ("snr", "latency"),
    _H: ("cop", "supply_temp"),
}
_SHIFTS = {
    _E: ("vibration",),
    _G: ("uncorrectable_codewords", "latency"),
    _H: ("defrost_cycles", "supply_temp"),
}
_COUNTER = {_E: "door_cycles", _H: "compressor_hours"}
_COUNTER_RATE = {"door_cycles": (400.0, 1500.0), "compressor_hours": (6.0, 14.0)}
_DEGRADATIONS = ("drift",) * 10 + ("shift",) * 6 + ("counter",) * 3 + ("beyond",) * 3


@dataclass(frozen=True)
class Signal:
    """One metric of one asset as a closed-form signal plus noise."""

    asset_id: str
    metric: str
    level: float
    daily: float
    weekly: float
    phase: float
    noise: float
    low: float | None = None
    high: float | None = None
    drift_from: float = math.inf  # linear drift of slope per day from this time
    slope: float = 0.0
    shift_at: float = math.inf  # step of ``shift`` from this time
    shift: float = 0.0
    rate: float = 0.0  # counters: growth per day; ``level`` is the value at the anchor
    anchor: float = 0.0


@dataclass(frozen=True)
class Fleet:
    sites: list[dict[str, object]]
    assets: list[dict[str, object]]
    signals: list[Signal]


def _gauge(asset_id: str, spec: MetricSpec, rng: np.random.Generator) -> Signal:
    pos, daily, weekly, noise = _PROFILE[spec.key]
    width = spec.normal_high - spec.normal_low
    low = 0.0 if spec.normal_low >= 0 else None
    high = 100.0 if spec.unit == "%" else None
    return Signal(
        asset_id,
        spec.key,
        level=spec.normal_low + width * float(rng.uniform(pos - 0.1, pos + 0.1)),
        daily=width * daily,
        weekly=width * weekly,
        phase=float(rng.uniform(0, 2 * np.pi)),
        noise=width * noise,
        low=low,
        high=high,
    )


def _degrade(
    signal: Signal, spec: MetricSpec, how: str, anchor: float, rng: np.random.Generator
) -> Signal:
    sign = 1.0 if spec.bad_direction is BadDirection.UP else -1.0
    if how == "drift":  # started 8-20 days ago, crosses warning in 4-15 days
        since, until = float(rng.uniform(8, 20)), float(rng.uniform(4, 15))
        slope = (spec.warning - signal.level) / (since + until)
        return _replace(signal, drift_from=anchor - since * DAY, slope=slope)
    edge = spec.normal_high if sign > 0 else spec.normal_low
    if how == "shift":  # 3-8 days ago, to just outside the normal range
        target = edge + 0.5 * (spec.warning - edge)
        return _replace(
            signal, shift_at=anchor - float(rng.uniform(3, 8)) * DAY, shift=target - signal.level
        )
    # beyond: sits past warning for the last two days
    target = spec.warning + 0.3 * (spec.critical - spec.warning)
    return _replace(signal, shift_at=anchor - 2 * DAY, shift=target - signal.level)


def _replace(signal: Signal, **changes: Any) -> Signal:
    return replace(signal, **changes)


def _counter(
    asset_id: str, spec: MetricSpec, near_limit: bool, anchor: float, rng: np.random.Generator
) -> Signal:
    limit = spec.service_limit or 0.0
    rate = float(rng.uniform(*_COUNTER_RATE[spec.key]))
    if near_limit:
        level = limit - rate * float(rng.uniform(8, 25))
    else:
        level = limit * float(rng.uniform(0.1, 0.8))
    return Signal(
        asset_id,
        spec.key,
        level=math.floor(level),
        daily=0,
        weekly=0,
        phase=0,
        noise=0,
        rate=rate,
        anchor=anchor,
    )


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def build_fleet(seed: int, anchor: float) -> Fleet:
    rng = np.random.default_rng(seed)
    sites: list[dict[str, object]] = []
    assets: list[dict[str, object]] = []
    regions = list(_REGIONS)
    for i in range(40):
        region = regions[i % 3]
        city, postcode, lat, lon = _REGIONS[region]
        contact = _CONTACTS[int(rng.integers(len(_CONTACTS)))]
        customer = _CUSTOMERS[int(rng.integers(len(_CUSTOMERS)))]
        sites.append(
            {
                "id": f"site-{i + 1:03d}",
                "customer_name": customer,
                "name": f"{customer} – {_BUILDINGS[int(rng.integers(len(_BUILDINGS)))]}",
                "address": f"{_pick(rng, _STREETS)} {int(rng.integers(1, 120))}, "
                f"{postcode}{int(rng.integers(100, 999))} {city}",
                "latitude": round(lat + float(rng.normal(0, 0.05)), 5),
                "longitude": round(lon + float(rng.normal(0, 0.08)), 5),
                "region": region,
                "contact_name": contact,
                "contact_phone": f"+49 {rng.integers(30, 99)} 555 {rng.integers(1000, 9999)}",
                "contact_email": f"{contact.split()[-1].lower()}@example.org",
                "access_notes": _ACCESS[int(rng.integers(len(_ACCESS)))],
                "language": "de",  # the demo's customers are German
                "version": 1,
                "updated_at": anchor,
            }
        )
        kinds = [_E, _G, _H] if i % 4 else [_E, _E, _H]
        for kind in kinds:
            n = len(assets) + 1
            limits = {s.key: s.service_limit for s in METRIC_CATALOGUE[kind] if s.service_limit}
            assets.append(
                {
                    "id": f"asset-{n:03d}",
                    "site_id": f"site-{i + 1:03d}",
                    "kind": kind.value,
                    "model": _MODELS[kind][int(rng.integers(3))],
                    "serial": f"SN{seed:02d}{n:05d}{int(rng.integers(100, 999))}",
                    "install_date": date(
                        int(rng.integers(2012, 2024)), int(rng.integers(1, 13)), 1
                    ).isoformat(),
                    "service_limits": limits,
                    "version": 1,
                    "updated_at": anchor,
                }
            )
    degradation = _plan_degradations(assets, rng)
    signals: list[Signal] = []
    for asset in assets:
        kind, asset_id = AssetKind(str(asset["kind"])), str(asset["id"])
        how, metric = degradation.get(asset_id, ("", ""))
        for spec in METRIC_CATALOGUE[kind]:
            if spec.counter:
                signals.append(_counter(asset_id, spec, how == "counter", anchor, rng))
                continue
            signal = _gauge(asset_id, spec, rng)
            if spec.key == metric:
                signal = _degrade(signal, spec, how, anchor, rng)
            signals.append(signal)
    return Fleet(sites, assets, signals)


def _plan_degradations(
    assets: list[dict[str, object]], rng: np.random.Generator
) -> dict[str, tuple[str, str]]:
    """(how, metric) per degraded asset, at most one per site."""
    plan: dict[str, tuple[str, str]] = {}
    used_sites: set[object] = set()
    todo = list(_DEGRADATIONS)
    for index in rng.permutation(len(assets)):
        asset = assets[int(index)]
        kind = AssetKind(str(asset["kind"]))
        if asset["site_id"] in used_sites:
            continue
        for how in todo:
            options = {"drift": _DRIFTS, "shift": _SHIFTS, "beyond": _DRIFTS}.get(how)
            if how == "counter":
                if kind not in _COUNTER:
                    continue
                metric = _COUNTER[kind]
            else:
                assert options is not None
                metric = options[kind][int(rng.integers(len(options[kind])))]
            plan[str(asset["id"])] = (how, metric)
            used_sites.add(asset["site_id"])
            todo.remove(how)
            break
        if not todo:
            break
    return plan


@dataclass(frozen=True)
class History:
    """Readings of some signals, all at the times ``t``."""

    t: FloatArray
    values: dict[tuple[str, str], FloatArray]  # (asset, metric): one value per time

    def rows(self) -> list[Reading]:
        ts = self.t.tolist()
        rows: list[Reading] = []
        for (asset_id, metric), v in self.values.items():
            rows.extend(zip(repeat(asset_id), repeat(metric), ts, v.tolist()))
        return rows

    def flat_rows(self, ids: dict[tuple[str, str], int]) -> list[object]:
        """The readings in key order as one flat list (series id, ts, value, series id, ...),
        given each signal's series id."""
        n, ts = self.t.size, self.t.tolist()
        flat: list[object] = [None] * (3 * n * len(self.values))
        for i, key in enumerate(sorted(self.values, key=ids.__getitem__)):
            at = 3 * n * i
            flat[at : at + 3 * n : 3] = [ids[key]] * n
            flat[at + 1 : at + 3 * n : 3] = ts
            flat[at + 2 : at + 3 * n : 3] = self.values[key].tolist()
        return flat

    def hourly_means(self) -> dict[str, dict[str, tuple[FloatArray, FloatArray]]]:
        """What the engine reads from the hourly rollup of these readings, if at most one
        per hour: each reading at the middle of its hour."""
        middle = np.floor(self.t / HOUR) * HOUR + HOUR / 2
        series: dict[str, dict[str, tuple[FloatArray, FloatArray]]] = {}
        for (asset_id, metric), v in self.values.items():
            series.setdefault(asset_id, {})[metric] = (middle, v)
        return series


def sample(signals: list[Signal], start: float, end: float, step: float, seed: int) -> History:
    """Readings of every signal at ``step`` from after ``start`` up to ``end``."""
    rng = np.random.default_rng([seed, int(start)])
    t = np.arange(math.floor(start / step) * step + step, end + 1e-6, step)
    values = _values(signals, t, rng)
    return History(t, {(s.asset_id, s.metric): v for s, v in zip(signals, values, strict=True)})


def _values(signals: list[Signal], t: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Each signal's values at ``t`` (a row per signal), all signals at once.

    Gauges draw their noise from ``rng`` in signal order, as many values as times each.
    """
    out = np.empty((len(signals), t.size))
    counters = np.array([bool(s.rate) for s in signals], dtype=bool)

    def column(name: str, among: list[Signal]) -> FloatArray:
        return np.array([float(getattr(s, name)) for s in among])[:, None]

    if counters.any():
        c = [s for s in signals if s.rate]
        level, rate, anchor = (column(name, c) for name in ("level", "rate", "anchor"))
        out[counters] = np.floor(level + rate * (t - anchor) / DAY)
    g = [s for s in signals if not s.rate]
    if g:
        phase = column("phase", g)
        v = column("level", g) + column("daily", g) * np.sin(2 * np.pi * t / DAY + phase)
        v += column("weekly", g) * np.sin(2 * np.pi * t / (7 * DAY) + 2 * phase)
        v += 0.0 + column("noise", g) * rng.standard_normal((len(g), t.size))
        v += column("slope", g) * np.clip(t - column("drift_from", g), 0.0, None) / DAY
        v += np.where(t >= column("shift_at", g), column("shift", g), 0.0)
        low = np.array([-np.inf if s.low is None else s.low for s in g])[:, None]
        high = np.array([np.inf if s.high is None else s.high for s in g])[:, None]
        out[~counters] = np.clip(v, low, high)
    return out


def insert_readings(database: Database, conn: Connection, rows: list[Reading]) -> None:
    for start in range(0, len(rows), 100_000):
        store_readings(database, conn, rows[start : start + 100_000])


def seed_fleet(database: Database, seed: int, anchor: float) -> Fleet:
    """Store the demo's people, sites, assets and templates; ``finish_demo`` does the rest."""
    fleet = build_fleet(seed, anchor)
    ensure_admin(database)
    with database.write() as conn:
        conn.execute(
            db.users.insert(),
            [
                {
                    "id": f"tech-{login}",
                    "login": login,
                    "name": name,
                    "role": "technician",
                    "region": region,
                    "skills": [k.value for k in skills],
                    "password_hash": DEMO_PASSWORD_HASH,
                }
                for login, name, region, skills in _PEOPLE
            ],
        )
        conn.execute(db.regions.insert(), [{"id": r, "timezone": DEMO_TIMEZONE} for r in _REGIONS])
        conn.execute(db.sites.insert(), fleet.sites)
        conn.execute(db.assets.insert(), fleet.assets)
        conn.execute(db.templates.insert(), template_rows(anchor))
        for key, value in (
            ("demo_seed", str(seed)),
            ("demo_anchor", repr(anchor)),
            ("sim_now", repr(anchor)),
            (_PENDING, "history"),
        ):
            db.meta_set(database, conn, key, value)
    return fleet


_PENDING = "demo_pending"


def demo_pending(conn: Connection) -> bool:
    """Whether the demo's history or first engine run is still to be done."""
    return db.meta_get(conn, _PENDING) is not None


def finish_demo(database: Database, engine: ProactiveEngine, fleet: Fleet | None = None) -> None:
    """Store the demo history and run the engine at the anchor (resumes after a crash).

    The history is stored on a second thread while the engine analyses it from memory
    (SQLite works without the GIL).  ``fleet``: the one ``seed_fleet`` just stored.
    """
    with database.read() as conn:
        pending = db.meta_get(conn, _PENDING)
        seed = int(db.meta_get(conn, "demo_seed") or 0)
        anchor = float(db.meta_get(conn, "demo_anchor") or 0.0)
    if pending is None:
        return
    if pending == "history":
        start = anchor - HISTORY_DAYS * DAY
        signals = (fleet or build_fleet(seed, anchor)).signals
        history = sample(signals, start, anchor, HISTORY_STEP, seed)
        with ThreadPoolExecutor(1, thread_name_prefix="concierge-demo-history") as pool:
            stored = pool.submit(_store_history, database, history, start, anchor)
            engine.run(anchor, series=history.hourly_means(), watch=False)
            stored.result()
        start_after(database, anchor)  # the detector streams from the anchor on
    else:
        start_after(database, anchor)
        engine.run(anchor)
    with database.write() as conn:
        conn.execute(db.meta.delete().where(db.meta.c.key == _PENDING))


def _store_history(database: Database, history: History, start: float, end: float) -> None:
    """Readings at most one per hour and series: the hourly rollup is the readings themselves.

    The readings go in as multi-row inserts of plain values, in key order; the rollup is
    then derived from them by the database (INSERT ... SELECT), without the GIL.
    """
    assert HISTORY_STEP % HOUR == 0
    with database.write(bulk=True) as conn:
        keys = list(history.values)
        ids = dict(zip(keys, series_ids(database, conn, keys), strict=True))
        database.insert_flat(conn, db.telemetry, history.flat_rows(ids))
        t, s, h = db.telemetry, db.series, db.telemetry_hourly
        source = (
            select(
                s.c.asset_id,
                s.c.metric,
                database.bucket(t.c.ts, HOUR),
                t.c.value,
                t.c.value,
                t.c.value,
                literal(1, Integer),
            )
            .select_from(t.join(s, s.c.id == t.c.series_id))
            .where(t.c.ts > start, t.c.ts <= end)
        )
        names = ["asset_id", "metric", "hour", "min", "max", "sum", "count"]
        insert = database.dialect_insert(h).from_select(names, source)
        conn.execute(insert.on_conflict_do_nothing())
        db.meta_set(database, conn, _PENDING, "engine")


class LiveTelemetry:
    """Generates the demo signals from the last simulated time up to the clock's now."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.db = database
        self.clock = clock
        with database.read() as conn:
            seed = int(db.meta_get(conn, "demo_seed") or 0)
            anchor = float(db.meta_get(conn, "demo_anchor") or 0.0)
        self.seed = seed
        self.signals = build_fleet(seed, anchor).signals

    def tick(self) -> int:
        with self.db.read() as conn:
            last = float(db.meta_get(conn, "sim_now") or self.clock.now())
        now = self.clock.now()
        step = LIVE_STEP if now - last <= 6 * 3600 else HISTORY_STEP
        last = max(last, now - HISTORY_DAYS * DAY)
        rows = sample(self.signals, last, now, step, self.seed).rows()
        if not rows:
            return 0
        with self.db.write() as conn:
            insert_readings(self.db, conn, rows)
            db.meta_set(self.db, conn, "sim_now", repr(max(r[2] for r in rows)))
        return len(rows)


def demo_anchor(now: float) -> float:
    """The demo's history ends on the hour (readings sit on whole hours)."""
    return math.floor(now / 3600) * 3600
