# SPDX-License-Identifier: Apache-2.0
"""Foresight in the office: the streaming detector on every (asset, metric) series.

Each engine pass feeds every series' points newer than the last one scored, in time
order, to its own :class:`~concierge.insights.AnomalyScorer`; a score that reaches
``ALARM_THRESHOLD`` becomes an alarm, which the engine stores as an "unusual
behaviour" insight (one per alarm, keyed by its time, so re-scoring never repeats one).

Both ingestion paths (HTTP and MQTT) store readings with ``series.store_columns``; the
engine pass reads them back, so there is one scoring path and ingestion stays as fast
as before.  State per series lives in ``anomaly_states``: the position scored so far
(``scored_until``, updated every pass by compare-and-set, so two workers never both
advance a series) and a checkpoint of the scorer (``to_state``, written every
``CHECKPOINT_POINTS`` points, as it can reach ~200 kB).  A worker whose in-memory scorer
is not at ``scored_until`` (a restart, or another worker ran meanwhile) continues from the
checkpoint and re-scores the points after it: the scorer is deterministic, so it reaches
the same state and the same alarms, with no new probation.

Late points: a point that arrives out of order but after its series' last scored point
is scored in time order with the others (each pass reads the new points sorted by time).
One at or before the last scored point is stored but never scored, since the scorer only
streams forwards; ingestion counts such points (:func:`late_readings`, :func:`note_late`),
logs them and adds them to ``late_points``.  If one lands after the series' last checkpoint,
a resume from that checkpoint learns it too, so the alarms after it may differ from those of
the uninterrupted run.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    Column,
    Connection,
    Float,
    Integer,
    LargeBinary,
    Table,
    and_,
    bindparam,
    func,
    select,
    update,
)

from concierge.domain import InsightKind, Severity, metric_spec
from concierge.insights import AnomalyExplanation, AnomalyScorer, Finding
from concierge.insights.finding import make_finding
from concierge.insights.scorer import ALARM_THRESHOLD
from concierge.insights.text import fmt_number, unusual_headline
from concierge_office import db
from concierge_office.db import Database, metadata
from concierge_office.series import fetch_plain

PROBATION = 750  # points learned from before a series is scored (NAB's probation, capped)
CHECKPOINT_POINTS = 500  # points scored between two checkpoints of a series' scorer
PASS_BUDGET_SECONDS = 0.1  # scoring time of one engine pass; the rest waits for the next
MAX_POINTS_PER_SERIES = 20_000  # points of one series resumed in one pass
BATCH_POINTS = 200_000  # points read at once for the series whose scorer is in memory
OPEN_DAYS = 7.0  # an unusual-behaviour insight stays open this long after its alarm
_NEVER = -math.inf

log = logging.getLogger(__name__)


@dataclass
class LatePoints:
    total: int = 0  # late readings stored but never scored, since the process started


late_points = LatePoints()

anomaly_states = Table(
    "anomaly_states",
    metadata,
    Column("series_id", Integer, primary_key=True, autoincrement=False),
    Column("start_after", Float, nullable=False),  # points up to here are never scored
    Column("scored_until", Float, nullable=False),  # time of the last point scored
    Column("checkpoint_until", Float, nullable=False),  # what ``state`` has scored
    Column("state", LargeBinary),  # AnomalyScorer.to_state(); NULL: a new scorer
    Column("updated_at", Float, nullable=False),  # wall clock
)


@dataclass(frozen=True)
class Alarm:
    """One crossing of the threshold, with the scorer's explanation of it."""

    asset_id: str
    metric: str
    explanation: AnomalyExplanation


@dataclass
class _Tracked:
    """A series' scorer in memory, and how far it and its checkpoint are."""

    scorer: AnomalyScorer
    scored_until: float
    since_checkpoint: int = 0


@dataclass
class _Scored:
    series_id: int
    previous: float | None  # scored_until in the database before (None: no row yet)
    start_after: float
    tracked: _Tracked
    alarms: list[Alarm] = field(default_factory=list)


class AnomalyWatch:
    """The streaming detector over every series, with its state in the database."""

    def __init__(self, database: Database, probation: int = PROBATION) -> None:
        self.db = database
        self.probation = probation
        self._tracked: dict[int, _Tracked] = {}
        self.points_scored = 0  # by this process, re-scored points included

    def scan(self, budget: float | None = PASS_BUDGET_SECONDS) -> list[_Scored]:
        """Score the points that arrived since the last pass (read only; see ``commit``).

        Series whose scorer is in memory at their database position read their new points
        in one query; the others (after a restart, or when another worker ran) resume from
        their checkpoint one by one.  Once ``budget`` seconds are spent the remaining
        series wait for the next pass (``None``: no limit).
        """
        started = time.perf_counter()
        out: list[_Scored] = []

        def spent() -> bool:
            return budget is not None and bool(out) and time.perf_counter() - started > budget

        with self.db.read(snapshot=True) as conn:
            due = _pending(conn)
            ready = [r for r in due if self._in_memory(r)]
            handled = {r.series_id for r in ready}
            batch = _new_points(conn, sorted(handled))
            for row in ready:
                if spent():
                    return out
                tracked = self._tracked[row.series_id]
                out.append(self._score(row, tracked, batch.get(row.series_id, [])))
            for row in due:
                if row.series_id in handled:
                    continue
                if spent():
                    return out
                tracked = self._resume(conn, row)
                out.append(self._score(row, tracked, _points_after(conn, row.series_id,
                                                                    tracked.scored_until)))
        return out

    def _in_memory(self, row: _Pending) -> bool:
        tracked = self._tracked.get(row.series_id)
        return tracked is not None and tracked.scored_until == row.scored_until

    def _score(
        self, row: _Pending, tracked: _Tracked, points: list[tuple[float, float]]
    ) -> _Scored:
        scored = _Scored(row.series_id, row.scored_until, row.start_after, tracked)
        scorer = tracked.scorer
        self.points_scored += len(points)
        for ts, value in points:
            if scorer.score(ts, value) >= scorer.params.alarm_threshold:
                explanation = scorer.explain()
                if explanation is not None:
                    scored.alarms.append(Alarm(row.asset_id, row.metric, explanation))
        if points:
            tracked.scored_until = float(points[-1][0])
            tracked.since_checkpoint += len(points)
        return scored

    def _resume(self, conn: Connection, row: _Pending) -> _Tracked:
        """The series' scorer from its checkpoint (a new one when there is none)."""
        a = anomaly_states
        state = conn.execute(select(a.c.state).where(a.c.series_id == row.series_id)).scalar()
        if state is not None:
            return _Tracked(AnomalyScorer.from_state(bytes(state)), row.checkpoint_until)
        return _Tracked(AnomalyScorer(self.probation), row.start_after)

    def commit(self, conn: Connection, scored: Iterable[_Scored], now: float) -> list[Alarm]:
        """Advance each series' position (compare-and-set) and checkpoint it when due.

        Returns the alarms of the series this pass advanced; a series another worker
        advanced meanwhile is dropped from memory (that worker raised its alarms).
        All in a few statements, whatever the number of series.
        """
        items = list(scored)
        if not items:
            return []
        a = anomaly_states
        wall = time.time()
        fresh = [i for i in items if i.previous is None]
        if fresh:
            conn.execute(self.db.insert_ignore(a), [
                {"series_id": i.series_id, "start_after": i.start_after,
                 "scored_until": i.tracked.scored_until,
                 "checkpoint_until": i.tracked.scored_until,
                 "state": i.tracked.scorer.to_state(), "updated_at": wall} for i in fresh])
            for i in fresh:
                i.tracked.since_checkpoint = 0
        known = [i for i in items if i.previous is not None]
        if known:
            conn.execute(
                update(a)
                .where(a.c.series_id == bindparam("b_id"), a.c.scored_until == bindparam("b_old"))
                .values(scored_until=bindparam("b_new"), updated_at=wall),
                [{"b_id": i.series_id, "b_old": i.previous, "b_new": i.tracked.scored_until}
                 for i in known],
            )
        positions = dict(
            conn.execute(
                select(a.c.series_id, a.c.scored_until)
                .where(a.c.series_id.in_([i.series_id for i in items]))
            ).all()
        )
        advanced = [i for i in items if positions.get(i.series_id) == i.tracked.scored_until]
        due = [i for i in advanced if i.tracked.since_checkpoint >= CHECKPOINT_POINTS]
        if due:
            conn.execute(
                update(a)
                .where(a.c.series_id == bindparam("b_id"))
                .values(state=bindparam("b_state"), checkpoint_until=bindparam("b_until")),
                [{"b_id": i.series_id, "b_state": i.tracked.scorer.to_state(),
                  "b_until": i.tracked.scored_until} for i in due],
            )
            for i in due:
                i.tracked.since_checkpoint = 0
        alarms: list[Alarm] = []
        kept = {i.series_id for i in advanced}
        for item in items:
            if item.series_id in kept:
                self._tracked[item.series_id] = item.tracked
                alarms += item.alarms
            else:
                self._tracked.pop(item.series_id, None)
        return alarms


@dataclass(frozen=True)
class _Pending:
    series_id: int
    asset_id: str
    metric: str
    start_after: float
    scored_until: float | None  # None: no state yet
    checkpoint_until: float


def _pending(conn: Connection) -> list[_Pending]:
    """Series with points newer than their last scored one, furthest behind first."""
    s, t, a = db.series, db.telemetry, anomaly_states
    latest = select(func.max(t.c.ts)).where(t.c.series_id == s.c.id).scalar_subquery()
    rows = conn.execute(
        select(s.c.id, s.c.asset_id, s.c.metric, latest.label("latest"),
               a.c.start_after, a.c.scored_until, a.c.checkpoint_until)
        .join(a, a.c.series_id == s.c.id, isouter=True)
    ).all()
    due = [r for r in rows if r.latest is not None and
           (r.scored_until is None or r.latest > r.scored_until)]
    due.sort(key=lambda r: (_NEVER if r.scored_until is None else r.scored_until, r.id))
    return [
        _Pending(
            series_id=r.id,
            asset_id=r.asset_id,
            metric=r.metric,
            start_after=_NEVER if r.start_after is None else float(r.start_after),
            scored_until=None if r.scored_until is None else float(r.scored_until),
            checkpoint_until=_NEVER if r.checkpoint_until is None else float(r.checkpoint_until),
        )
        for r in due
    ]


def _new_points(conn: Connection, series_ids: list[int]) -> dict[int, list[tuple[float, float]]]:
    """The points after each series' stored position, in one query (at most
    ``BATCH_POINTS``; a series cut short continues at the next pass)."""
    if not series_ids:
        return {}
    t, a = db.telemetry, anomaly_states
    rows = fetch_plain(
        conn,
        select(t.c.series_id, t.c.ts, t.c.value)
        .join(a, a.c.series_id == t.c.series_id)
        .where(t.c.series_id.in_(series_ids), t.c.ts > a.c.scored_until)
        .order_by(t.c.series_id, t.c.ts)
        .limit(BATCH_POINTS),
    )
    out: dict[int, list[tuple[float, float]]] = {}
    for series_id, ts, value in rows:
        out.setdefault(series_id, []).append((ts, value))
    return out


def _points_after(conn: Connection, series_id: int, after: float) -> list[tuple[float, float]]:
    t = db.telemetry
    rows = fetch_plain(
        conn,
        select(t.c.ts, t.c.value)
        .where(t.c.series_id == series_id, t.c.ts > after)
        .order_by(t.c.ts)
        .limit(MAX_POINTS_PER_SERIES),
    )
    return [(ts, value) for ts, value in rows]


def late_readings(
    conn: Connection, series_ids: npt.NDArray[np.int64], ts: npt.NDArray[np.float64]
) -> int:
    """How many incoming readings fall at or before their series' last scored point (one
    query on the series' states; call before the readings are inserted)."""
    uniq, where = np.unique(series_ids, return_inverse=True)
    if uniq.size == 0:
        return 0
    a = anomaly_states
    until = dict(conn.execute(
        select(a.c.series_id, a.c.scored_until).where(a.c.series_id.in_(uniq.tolist()))
    ).all())
    if not until:
        return 0
    limits = np.array([until.get(i, _NEVER) for i in uniq.tolist()], dtype=np.float64)
    return int(np.count_nonzero(ts <= limits[where]))


def note_late(late: int, repeats: int) -> int:
    """Count and log the late readings of one stored batch: stored, never scored.

    ``late`` is :func:`late_readings` before the insert, ``repeats`` the readings the insert
    skipped as already stored; those are taken to be among the late ones (a re-sent batch
    is not late), so the count is exact unless one batch mixes repeats of readings not yet
    scored with late ones.  Returns the number counted.
    """
    counted = max(0, late - repeats)
    if counted:
        late_points.total += counted
        log.warning("%d late readings stored but not scored (at or before their series' "
                    "last scored point)", counted)
    return counted


def start_after(database: Database, until: float) -> None:
    """Series without state start scoring after ``until`` (their older points are history
    that was never streamed, e.g. the demo's back-filled month)."""
    s, a = db.series, anomaly_states
    with database.write() as conn:
        missing = conn.execute(
            select(s.c.id).where(s.c.id.not_in(select(a.c.series_id)))
        ).scalars().all()
        if missing:
            wall = time.time()
            conn.execute(
                database.insert_ignore(a),
                [{"series_id": i, "start_after": until, "scored_until": until,
                  "checkpoint_until": until, "state": None, "updated_at": wall}
                 for i in missing],
            )


# --- alarms as insights ------------------------------------------------------------------

CONFIDENCE_SCORES = {"low": 0.5, "medium": 0.7, "high": 0.9}
_WORDS = {  # the English of concierge/insights/text.py's messages (old clients show it)
    "variance": "variance is {ratio}× its usual level",
    "level": "is {ratio} times its usual spread from its usual level",
    "shift": "moved by {ratio} times its usual spread",
    "range": "went beyond its usual range by {ratio} times its usual spread",
    "shape": "changed its usual pattern",
}


def alarm_key(asset_id: str, metric: str, at: float) -> str:
    return f"{asset_id}:{metric}:{InsightKind.ANOMALY.value}:{at:.3f}"


def alarm_finding(alarm: Alarm) -> Finding:
    """An "unusual behaviour" insight for an alarm; the evidence carries the window
    (onset..at), the score and the explanation as codes, for any language."""
    e = alarm.explanation
    label = _label(alarm.asset_id, alarm.metric)
    since = datetime.fromtimestamp(e.onset, UTC).strftime("%a %d %b %Y %H:%M UTC")
    change = _WORDS[e.channel].format(ratio=fmt_number(e.ratio))
    finding = make_finding(
        asset_id=alarm.asset_id,
        metric=alarm.metric,
        kind=InsightKind.ANOMALY,
        severity=Severity.WARNING,
        confidence=CONFIDENCE_SCORES[e.confidence],
        predicted_impact_at=None,
        evidence={
            "score": round(e.score, 4),
            "threshold": ALARM_THRESHOLD,
            "onset": e.onset,
            "at": e.at,
            "channel": e.channel,
            "ratio": e.ratio,
            "confidence_level": e.confidence,
        },
        explanation=f"{label} {change} since {since} ({e.confidence} confidence).",
        headline=unusual_headline(alarm.metric, label),
    )
    return Finding(**{**finding.__dict__, "key": alarm_key(alarm.asset_id, alarm.metric, e.at)})


def _label(asset_id: str, metric: str) -> str:
    del asset_id
    from concierge.domain import METRIC_CATALOGUE

    for kind in METRIC_CATALOGUE:
        try:
            return metric_spec(kind, metric).label
        except (KeyError, ValueError):
            continue
    return metric


def stale_alarms(conn: Connection, now: float) -> list[str]:
    """Open unusual-behaviour insights raised more than ``OPEN_DAYS`` ago."""
    ins = db.insights
    return list(
        conn.execute(
            select(ins.c.id).where(
                and_(ins.c.kind == InsightKind.ANOMALY.value, ins.c.status == "open",
                     ins.c.created_at < now - OPEN_DAYS * 86_400)
            )
        ).scalars()
    )
