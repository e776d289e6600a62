# SPDX-License-Identifier: Apache-2.0
"""Proactive engine: telemetry -> insights (via concierge.insights) -> proactive visits.

Idempotent: re-running over the same data writes nothing.  An insight is stored
once per ``Finding.key``; it gets a visit once (an open visit of its site when
there is one); an insight whose finding disappeared is resolved.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from time import sleep
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Row, func, select, update

from concierge.domain import InsightKind, Severity, VisitStatus
from concierge.insights import Finding, analyze_assets
from concierge.insights.text import resolved_summary
from concierge.protocol.schemas import EngineRun
from concierge_office import db
from concierge_office.changes import Key, publish_visits, record_changes
from concierge_office.db import Database
from concierge_office.foresight import (
    OPEN_DAYS,
    Alarm,
    AnomalyWatch,
    alarm_finding,
    stale_alarms,
)
from concierge_office.series import fetch_plain

HOUR = 3600.0
ANALYSIS_DAYS = 30.0
ANALYSIS_BUCKET = 3600
OPEN_VISIT = (
    VisitStatus.PROPOSED.value,
    VisitStatus.SCHEDULED.value,
    VisitStatus.IN_PROGRESS.value,
)
ACTIONABLE = (Severity.WARNING.value, Severity.CRITICAL.value)
_LEAD_HOURS = {1: 2.0, 2: 24.0, 3: 72.0, 4: 168.0}
FloatArray = npt.NDArray[np.float64]
Series = dict[str, dict[str, tuple[FloatArray, FloatArray]]]  # asset: metric: (t, values)
_RANK = {Severity.CRITICAL.value: 0, Severity.WARNING.value: 1, Severity.INFO.value: 2}


HELD_KEY_PREFIX = "held:"  # insights opened by "did it hold", not by the analysis


def insight_id(key: str) -> str:
    return "ins-" + hashlib.sha256(key.encode()).hexdigest()[:20]


def _material(severity: str, kind: str, confidence: float, impact: float | None) -> tuple[Any, ...]:
    """What must change for an insight to be rewritten (text alone tracks the clock)."""
    return (
        severity,
        kind,
        round(confidence * 10),
        None if impact is None else round(impact / (6 * HOUR)),
    )


def urgency(severity: str, impact: float | None, confidence: float) -> tuple[float, float, float]:
    """Sort key: most urgent first."""
    return _RANK.get(severity, 3), math.inf if impact is None else impact, -confidence


def priority(severity: str, impact: float | None, now: float) -> int:
    days_left = None if impact is None else (impact - now) / 86_400
    if severity == Severity.CRITICAL.value:
        return 1 if days_left is None or days_left <= 3 else 2
    if severity == Severity.WARNING.value:
        return 2 if days_left is not None and days_left <= 7 else 3
    return 4


DEFAULT_TIMEZONE = "Europe/Berlin"  # regions without a row in ``regions``
WORK_SLOTS = ((8, 12), (13, 17))  # local hours of the visit slots
WORK_DAYS = frozenset(range(5))  # Monday to Friday
EVERY_DAY = frozenset(range(7))  # the demo: its day is today, whatever the weekday
MIN_SLOT_LEFT = HOUR  # a slot already under way is offered while this much of it is left


def working_slots(after: float, zone: ZoneInfo, days: frozenset[int] = WORK_DAYS
                  ) -> Iterator[tuple[float, float]]:
    """Working-hour slots (local time of ``zone``) that end after ``after``, in order."""
    day = datetime.fromtimestamp(after, zone).date()
    while True:
        if day.weekday() in days:
            for first, last in WORK_SLOTS:
                start = datetime.combine(day, time(first), zone).timestamp()
                end = datetime.combine(day, time(last), zone).timestamp()
                if end > after:
                    yield start, end
        day += timedelta(days=1)


def visit_window(
    prio: int,
    deadline: float | None,
    now: float,
    zone: ZoneInfo,
    *,
    taken: Collection[float] = (),
    asap: bool = False,
    days: frozenset[int] = WORK_DAYS,
) -> tuple[float, float]:
    """A free working-hour slot of the site's local time for a visit of priority ``prio``.

    A slot is usable while at least ``MIN_SLOT_LEFT`` of it is to come, and free unless
    its start is in ``taken`` (the technician's other open visits: one visit per slot).
    Priority 1 (or ``asap``) takes the first free usable slot, today's if the time of day
    allows; lower priorities the first free slot after their lead time.  With a
    ``deadline`` the latest free slot ending by it is taken instead when the preferred
    one would end later (the earliest usable one when none ends in time).
    Deterministic: the same inputs give the same slot.
    """
    lead = 0.0 if asap or prio == 1 else _LEAD_HOURS[prio] * HOUR
    usable: list[tuple[float, float]] = []
    for slot in working_slots(now + MIN_SLOT_LEFT, zone, days):
        if slot[0] in taken:
            continue
        usable.append(slot)
        if lead == 0.0 or slot[0] >= now + lead:
            break
    preferred = usable[-1]
    if deadline is None or preferred[1] <= deadline:
        return preferred
    in_time = [slot for slot in usable if slot[1] <= deadline]
    return in_time[-1] if in_time else usable[0]


@dataclass
class Counts:
    assets: int = 0
    findings: int = 0
    insights_created: int = 0
    insights_updated: int = 0
    insights_resolved: int = 0
    visits_created: int = 0
    visits_updated: int = 0

    def result(self) -> EngineRun:
        return EngineRun(**self.__dict__)


class RemoteFirstHook(Protocol):
    """Remote first (concierge_office/devices/remote.py), called in the engine's transaction."""

    def settled(self, conn: Connection, now: float) -> set[str]: ...  # not to be reopened

    def triage(self, conn: Connection, now: float) -> set[str]: ...  # not to get a visit now


class ProactiveEngine:
    """Runs are serialised: the scheduler job and ``/admin/engine/run`` share a lock."""

    def __init__(self, database: Database, work_days: frozenset[int] = WORK_DAYS) -> None:
        self.db = database
        self.work_days = work_days
        self._lock = threading.Lock()
        self.remote_first: RemoteFirstHook | None = None  # set by the devices link
        self.watch = AnomalyWatch(database)

    def run(self, now: float, series: Series | None = None, *, watch: bool = True) -> EngineRun:
        """Analyse, store insights and plan visits; ``series`` is the hourly telemetry the
        database holds, when the caller has it in memory (what ``_hourly_means`` reads).

        ``watch``: also score the points that arrived since the last run with the
        streaming detector (see foresight.py); its alarms become insights.
        """
        with self._lock:
            counts = Counts()
            findings, analysed = self._analyse(now, counts, series)
            scored = self.watch.scan() if watch else []
            remote = self.remote_first
            with self.db.write() as conn:
                settled = remote.settled(conn, now) if remote else set()
                resolved = self._store_insights(
                    conn, findings, analysed, now, counts, settled=settled
                )
                alarms = self.watch.commit(conn, scored, now)
                resolved += self._store_alarms(conn, alarms, now, counts)
                self._drop_resolved(conn, resolved, now, counts)
                held = remote.triage(conn, now) if remote else set()
                self._plan_visits(conn, now, counts, held)
            return counts.result()

    # --- analysis ---------------------------------------------------------------

    def _analyse(
        self, now: float, counts: Counts, series: Series | None
    ) -> tuple[list[Finding], set[str]]:
        with self.db.read(snapshot=True) as conn:
            kinds = dict(conn.execute(select(db.assets.c.id, db.assets.c.kind)).all())
            if series is None:
                series = _hourly_means(conn, now - ANALYSIS_DAYS * 86_400, now, set(kinds))
        per_asset = {asset_id: s for asset_id, s in series.items() if asset_id in kinds}
        findings = analyze_assets(
            [(asset_id, kinds[asset_id], per_asset[asset_id]) for asset_id in sorted(per_asset)],
            now,
            between=_let_others_run,
        )
        counts.assets = len(per_asset)
        counts.findings = len(findings)
        return findings, set(per_asset)

    # --- insights ----------------------------------------------------------------

    def _store_insights(
        self,
        conn: Connection,
        findings: list[Finding],
        analysed: set[str],
        now: float,
        counts: Counts,
        *,
        settled: Collection[str] = (),
    ) -> list[str]:
        """Store findings as insights; returns the ids of insights resolved now.

        ``settled``: insights resolved remotely lately, left resolved."""
        ins = db.insights
        existing = {row.key: row for row in conn.execute(select(ins))}
        sites = dict(conn.execute(select(db.assets.c.id, db.assets.c.site_id)).all())
        created: list[dict[str, Any]] = []
        changed: list[tuple[Key, int]] = []
        for f in findings:
            row = existing.get(f.key)
            if row is not None and row.id in settled:
                continue
            fields = {
                "metric": f.metric,
                "kind": f.kind.value,
                "severity": f.severity.value,
                "confidence": f.confidence,
                "predicted_impact_at": f.predicted_impact_at,
                "evidence": f.evidence,
                "explanation": f.explanation,
                "headline": f.headline,
                "headline_code": f.headline_code,
                "status": "open",
                "updated_at": now,
            }
            if row is None:
                ident = insight_id(f.key)
                created.append(
                    {
                        "id": ident,
                        "key": f.key,
                        "asset_id": f.asset_id,
                        "site_id": sites[f.asset_id],
                        "created_at": now,
                        "version": 1,
                        **fields,
                    }
                )
                changed.append((("insight", ident), 1))
                counts.insights_created += 1
                continue
            before = _material(row.severity, row.kind, row.confidence, row.predicted_impact_at)
            after = _material(f.severity.value, f.kind.value, f.confidence, f.predicted_impact_at)
            coded_now = row.headline_code is None and f.headline_code is not None
            if row.status == "open" and before == after and not coded_now:
                continue  # (an insight from before the codes gets its code once)
            conn.execute(
                update(ins).where(ins.c.id == row.id).values(version=row.version + 1, **fields)
            )
            changed.append((("insight", row.id), row.version + 1))
            counts.insights_updated += 1
        if created:
            conn.execute(ins.insert(), created)
        current = {f.key for f in findings}
        resolved: list[str] = []
        for key, row in existing.items():
            if row.kind == InsightKind.ANOMALY.value:
                continue  # an alarm is not a finding of the analysis: see _store_alarms
            if key.startswith(HELD_KEY_PREFIX):
                continue  # a regression after a visit (serve.check_held) is no finding either
            if row.status == "open" and row.asset_id in analysed and key not in current:
                conn.execute(
                    update(ins)
                    .where(ins.c.id == row.id)
                    .values(status="resolved", version=row.version + 1, updated_at=now)
                )
                changed.append((("insight", row.id), row.version + 1))
                counts.insights_resolved += 1
                resolved.append(row.id)
        record_changes(self.db, conn, changed)
        return resolved

    def _store_alarms(
        self, conn: Connection, alarms: list[Alarm], now: float, counts: Counts
    ) -> list[str]:
        """Each alarm of the streaming detector as an "unusual behaviour" insight (once:
        keyed by its time); an alarm older than ``OPEN_DAYS`` is stored resolved (history
        scored late needs no visit).  Resolves the ones raised ``OPEN_DAYS`` ago; returns
        the ids of the insights resolved now."""
        ins = db.insights
        changed: list[tuple[Key, int]] = []
        if alarms:
            sites = dict(conn.execute(select(db.assets.c.id, db.assets.c.site_id)).all())
            for alarm in alarms:
                if alarm.asset_id not in sites:
                    continue  # the asset was removed: its telemetry has no one to tell
                f = alarm_finding(alarm)
                ident = insight_id(f.key)
                fresh = alarm.explanation.at >= now - OPEN_DAYS * 86_400
                inserted = conn.execute(
                    self.db.insert_ignore(ins)
                    .values(
                        id=ident, key=f.key, asset_id=f.asset_id, site_id=sites[f.asset_id],
                        metric=f.metric, kind=f.kind.value, severity=f.severity.value,
                        confidence=f.confidence, predicted_impact_at=None, evidence=f.evidence,
                        explanation=f.explanation, headline=f.headline,
                        headline_code=f.headline_code, status="open" if fresh else "resolved",
                        created_at=now, updated_at=now, version=1,
                    )
                    .returning(ins.c.id)
                ).first()
                if inserted is not None:
                    changed.append((("insight", ident), 1))
                    counts.insights_created += 1
        stale = stale_alarms(conn, now)
        for ident in stale:
            version = conn.execute(
                update(ins)
                .where(ins.c.id == ident)
                .values(status="resolved", version=ins.c.version + 1, updated_at=now)
                .returning(ins.c.version)
            ).scalar_one()
            changed.append((("insight", ident), int(version)))
            counts.insights_resolved += 1
        record_changes(self.db, conn, changed)
        return stale

    # --- visits ------------------------------------------------------------------

    def _drop_resolved(
        self, conn: Connection, resolved: list[str], now: float, counts: Counts
    ) -> None:
        """Open visits stop listing resolved insights; summary and priority follow the rest.

        A visit left without insights keeps its plan; its summary says the findings resolved.
        """
        if not resolved:
            return
        v, vi, ins = db.visits, db.visit_insights, db.insights
        visits = conn.execute(
            select(v)
            .where(
                v.c.status.in_(OPEN_VISIT),
                v.c.id.in_(select(vi.c.visit_id).where(vi.c.insight_id.in_(resolved))),
            )
            .order_by(v.c.id)
        ).all()
        gone = set(resolved)
        sites = _sites(conn, (visit.site_id for visit in visits))
        published: list[tuple[str, str, int]] = []
        for visit in visits:
            keep = [i for i in visit.insight_ids if i not in gone]
            rows = list(conn.execute(select(ins).where(ins.c.id.in_(keep))).all())
            if rows:
                plan = _plan(rows, now, _local_time(sites, visit.site_id), days=self.work_days)
                values = {"summary": plan["summary"], "summary_code": plan["summary_code"],
                          "priority": plan["priority"]}
            else:
                summary, coded = resolved_summary(visit.summary, visit.summary_code)
                values = {"summary": summary, "summary_code": coded}
            conn.execute(
                vi.delete().where(vi.c.visit_id == visit.id, vi.c.insight_id.in_(resolved))
            )
            version = visit.version + 1
            conn.execute(
                update(v)
                .where(v.c.id == visit.id)
                .values(insight_ids=keep, version=version, updated_at=now, **values)
            )
            published.append((visit.technician_id, visit.id, version))
            counts.visits_updated += 1
        publish_visits(self.db, conn, published)

    def _plan_visits(
        self, conn: Connection, now: float, counts: Counts, held: Collection[str] = ()
    ) -> None:
        """``held``: insights a remote attempt holds back from visits."""
        ins, vi = db.insights, db.visit_insights
        covered = select(vi.c.insight_id)
        waiting = conn.execute(
            select(ins)
            .where(
                ins.c.status == "open",
                ins.c.severity.in_(ACTIONABLE),
                ins.c.id.not_in(covered),
                ins.c.id.not_in(sorted(held)),
            )
            .order_by(ins.c.site_id, ins.c.id)
        ).all()
        by_site: dict[str, list[Row[Any]]] = defaultdict(list)
        for row in waiting:
            by_site[row.site_id].append(row)
        if not by_site:
            return
        # Most urgent first: each technician's first new visit of a run may take their
        # next free slot (today's if the time of day allows) instead of waiting its lead.
        order = sorted(by_site, key=lambda site: (_most_urgent(by_site[site], now), site))
        board = _Board.load(conn, order, {r.asset_id for r in waiting})
        served: set[str] = set()
        published: list[tuple[str, str, int]] = []
        for site_id in order:
            new = by_site[site_id]
            open_visit = board.open_visits.get(site_id)
            if open_visit is None:
                created = self._create_visit(board, site_id, new, now, served=served)
                if created is not None:
                    published.append(created)
                    counts.visits_created += 1
            else:
                published.append(self._merge_into(conn, board, open_visit, new, now))
                counts.visits_updated += 1
        if board.visits:
            conn.execute(db.visits.insert(), board.visits)
        if board.visit_assets:
            conn.execute(db.visit_assets.insert(), board.visit_assets)
        if board.visit_insights:
            conn.execute(db.visit_insights.insert(), board.visit_insights)
        publish_visits(self.db, conn, published)

    def _create_visit(
        self,
        board: _Board,
        site_id: str,
        new: list[Row[Any]],
        now: float,
        *,
        served: set[str],
    ) -> tuple[str, str, int] | None:
        """Plan a visit of the site for the insights; (technician, visit id, version 1)."""
        region, zone = board.sites[site_id]
        asset_ids = sorted({r.asset_id for r in new})
        technician = board.technician(
            region, {board.kinds[a] for a in asset_ids if a in board.kinds}
        )
        if technician is None:
            return None
        ident = "vis-" + hashlib.sha256(f"{site_id}:{new[0].id}".encode()).hexdigest()[:16]
        values = _plan(
            new,
            now,
            zone,
            taken=board.taken(technician, ident),
            asap=technician not in served,
            days=self.work_days,
        )
        served.add(technician)
        board.slots[technician][ident] = values["window_start"]
        insight_ids = [r.id for r in new]
        board.visits.append(
            {
                "id": ident,
                "site_id": site_id,
                "technician_id": technician,
                "asset_ids": asset_ids,
                "insight_ids": insight_ids,
                **db.new_visit_fields(now),
                **values,
            }
        )
        board.link(ident, asset_ids, insight_ids)
        return technician, ident, 1

    def _merge_into(
        self, conn: Connection, board: _Board, visit: Row[Any], new: list[Row[Any]], now: float
    ) -> tuple[str, str, int]:
        """Add the insights to an open visit; (technician, visit id, new version)."""
        ins = db.insights
        all_ids = list(visit.insight_ids) + [r.id for r in new]
        rows = list(conn.execute(select(ins).where(ins.c.id.in_(all_ids))).all())
        asset_ids = sorted(set(visit.asset_ids) | {r.asset_id for r in new})
        values = _plan(
            rows,
            now,
            _local_time(board.sites, visit.site_id),
            taken=board.taken(visit.technician_id, visit.id),
            days=self.work_days,
        )
        # Keep the window of a visit under way, and an earlier one than the new plan's.
        if (
            visit.status == VisitStatus.IN_PROGRESS.value
            or visit.window_start <= values["window_start"]
        ):
            values["window_start"], values["window_end"] = visit.window_start, visit.window_end
        values["priority"] = min(values["priority"], visit.priority)
        board.slots[visit.technician_id][visit.id] = values["window_start"]
        version = visit.version + 1
        conn.execute(
            update(db.visits)
            .where(db.visits.c.id == visit.id)
            .values(
                asset_ids=asset_ids, insight_ids=all_ids, version=version, updated_at=now, **values
            )
        )
        board.link(visit.id, sorted(set(asset_ids) - set(visit.asset_ids)), [r.id for r in new])
        return visit.technician_id, visit.id, version


@dataclass
class _Board:
    """What planning a run's visits reads, loaded at once and kept current as it plans;
    and the new visits and links, inserted at the end."""

    technicians: Sequence[Row[Any, Any, Any]]  # id, region, skills
    sites: dict[str, tuple[str, ZoneInfo]]  # site: (region, local time)
    kinds: dict[str, str]  # asset: kind
    open_visits: dict[str, Row[Any]]  # site: its oldest open visit
    slots: defaultdict[str, dict[str, float]]  # technician: {open visit: window start}
    visits: list[dict[str, Any]] = field(default_factory=list)
    visit_assets: list[dict[str, str]] = field(default_factory=list)
    visit_insights: list[dict[str, str]] = field(default_factory=list)

    @staticmethod
    def load(conn: Connection, site_ids: list[str], asset_ids: set[str]) -> _Board:
        v, u, a = db.visits, db.users, db.assets
        technicians = conn.execute(
            select(u.c.id, u.c.region, u.c.skills).where(u.c.role == "technician")
        ).all()
        kinds = conn.execute(select(a.c.id, a.c.kind).where(a.c.id.in_(sorted(asset_ids))))
        open_visits: dict[str, Row[Any]] = {}
        slots: defaultdict[str, dict[str, float]] = defaultdict(dict)
        for visit in conn.execute(
            select(v).where(v.c.status.in_(OPEN_VISIT)).order_by(v.c.created_at, v.c.id)
        ):
            open_visits.setdefault(visit.site_id, visit)
            slots[visit.technician_id][visit.id] = visit.window_start
        return _Board(
            technicians=technicians,
            sites=_sites(conn, site_ids),
            kinds=dict(kinds.all()),
            open_visits=open_visits,
            slots=slots,
        )

    def technician(self, region: str, kinds: set[str]) -> str | None:
        """A technician of the region with the skills; else anyone with them; else anyone.

        The one with the fewest open visits (then by id).
        """
        skilled = [t for t in self.technicians if kinds <= set(t.skills)]
        local = [t for t in skilled if t.region == region]
        pool = local or skilled or self.technicians
        if not pool:
            return None
        return str(min(pool, key=lambda t: (len(self.slots.get(t.id, ())), t.id)).id)

    def taken(self, technician: str, visit_id: str) -> set[float]:
        """Slot starts of a technician's other open visits."""
        return {start for i, start in self.slots[technician].items() if i != visit_id}

    def link(self, visit_id: str, asset_ids: Iterable[str], insight_ids: Iterable[str]) -> None:
        self.visit_assets += [{"visit_id": visit_id, "asset_id": a} for a in asset_ids]
        self.visit_insights += [{"visit_id": visit_id, "insight_id": i} for i in insight_ids]


def _sites(conn: Connection, site_ids: Iterable[str]) -> dict[str, tuple[str, ZoneInfo]]:
    """Region and local time (the region's time zone) of some sites."""
    s, r = db.sites, db.regions
    rows = conn.execute(
        select(s.c.id, s.c.region, r.c.timezone)
        .join(r, r.c.id == s.c.region, isouter=True)
        .where(s.c.id.in_(sorted(set(site_ids))))
    )
    return {site_id: (region, _zone(name)) for site_id, region, name in rows}


def _local_time(sites: dict[str, tuple[str, ZoneInfo]], site_id: str) -> ZoneInfo:
    return sites[site_id][1] if site_id in sites else _zone(None)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def _let_others_run() -> None:
    """Hand the GIL to a thread waiting for it (the analysis would keep it for a whole
    switch interval, 5 ms, each time: long for the demo history writer or a request)."""
    sleep(0)


def _hourly_means(
    conn: Connection, start: float, end: float, assets: set[str]
) -> dict[str, dict[str, tuple[FloatArray, FloatArray]]]:
    """Hourly means per asset and metric from the rollup, times at the middle of each hour.

    Two queries in one snapshot: the series with their number of hours (a few hundred
    rows), then every hour's (time, mean) in key order, computed by the database and
    fetched from a raw cursor as float pairs into one array that is split per series.
    No Python object per reading besides the driver's row tuple.
    """
    h = db.telemetry_hourly
    where = (
        h.c.hour >= math.floor(start / ANALYSIS_BUCKET),
        h.c.hour <= math.floor(end / ANALYSIS_BUCKET),
    )
    series = conn.execute(
        select(h.c.asset_id, h.c.metric, func.count())
        .where(*where)
        .group_by(h.c.asset_id, h.c.metric)
        .order_by(h.c.asset_id, h.c.metric)
    ).all()
    out: dict[str, dict[str, tuple[FloatArray, FloatArray]]] = defaultdict(dict)
    if not series:
        return out
    middle = h.c.hour * ANALYSIS_BUCKET + float(ANALYSIS_BUCKET / 2)
    rows = fetch_plain(
        conn, select(middle, h.c.sum / h.c.count).where(*where).order_by(*h.primary_key)
    )
    sizes = [int(n) for _, _, n in series]
    if len(rows) != sum(sizes):  # the snapshot makes this impossible
        raise RuntimeError("the telemetry rollup changed while it was read")
    pairs = np.array(rows, dtype=np.float64).reshape(len(rows), 2)
    t, mean = np.ascontiguousarray(pairs[:, 0]), np.ascontiguousarray(pairs[:, 1])
    bounds = np.cumsum(sizes)[:-1]
    for (asset_id, metric, _), times, means in zip(
        series, np.split(t, bounds), np.split(mean, bounds), strict=True
    ):
        if asset_id in assets:
            out[asset_id][metric] = (times, means)
    return out


def _most_urgent(insights: Sequence[Row[Any]], now: float) -> tuple[Any, ...]:
    """Sort key of a group of insights: its best priority, then its most urgent insight."""
    best = min(priority(r.severity, r.predicted_impact_at, now) for r in insights)
    return (best, min(urgency(r.severity, r.predicted_impact_at, r.confidence) for r in insights))


def _plan(
    insights: Sequence[Row[Any]],
    now: float,
    zone: ZoneInfo,
    *,
    taken: Collection[float] = (),
    asap: bool = False,
    days: frozenset[int] = WORK_DAYS,
) -> dict[str, Any]:
    """Priority, window and summary of a visit for these insights."""
    top = min(insights, key=lambda r: urgency(r.severity, r.predicted_impact_at, r.confidence))
    prio = min(priority(r.severity, r.predicted_impact_at, now) for r in insights)
    impacts = [r.predicted_impact_at for r in insights if r.predicted_impact_at is not None]
    deadline = min(impacts) - 12 * HOUR if impacts else None
    start, end = visit_window(prio, deadline, now, zone, taken=taken, asap=asap, days=days)
    return {"priority": prio, "window_start": start, "window_end": end, "summary": top.headline,
            "summary_code": top.headline_code}
