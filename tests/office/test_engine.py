"""The proactive engine: demo visits come from it; re-running changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from concierge.domain import METRIC_CATALOGUE, WISH_TAGS, AssetKind
from concierge.insights import analyze_assets, analyze_metric
from concierge_office import db
from concierge_office.db import Database
from concierge_office.demo_fleet import (
    DAY,
    DEMO_TECHNICIANS,
    HISTORY_DAYS,
    HISTORY_STEP,
    build_fleet,
    demo_anchor,
    sample,
)
from concierge_office.demo_templates import template_rows
from concierge_office.engine import (
    ANALYSIS_DAYS,
    EVERY_DAY,
    MIN_SLOT_LEFT,
    WORK_SLOTS,
    _hourly_means,
    visit_window,
    working_slots,
)
from concierge_office.server import EmbeddedBackOffice, start_embedded
from concierge_office.state import Clock
from tests.office.conftest import LoginFactory
from tests.officedb import Template

BERLIN = ZoneInfo("Europe/Berlin")  # the demo fleet's regions
WINDOW = ("window_start", "window_end")
HALF_HOUR = 1800.0


PinnedOffice = Callable[[float], EmbeddedBackOffice]


@pytest.fixture
def pinned_office(demo_database: Template) -> Iterator[PinnedOffice]:
    """A demo office of its own whose clock stands still ``after`` seconds past the demo's
    first engine run (its anchor): what the engine finds then depends on no wall clock."""
    urls: list[str] = []
    with ExitStack() as stack:

        def start(after: float) -> EmbeddedBackOffice:
            url = demo_database.copy()
            urls.append(url)
            database = Database(url)
            try:
                with database.read() as conn:
                    anchor = float(db.meta_get(conn, "demo_anchor") or 0.0)
            finally:
                database.dispose()
            clock = Clock(0.0, origin=anchor + after)
            return stack.enter_context(start_embedded(url, live=False, clock=clock))

        yield start
    for url in urls:
        demo_database.backend.drop(url)


def _berlin(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp()


def _window(prio: int, now: str, deadline: str | None = None, **options: object) -> tuple[str, str]:
    due = None if deadline is None else _berlin(deadline)
    start, end = visit_window(prio, due, _berlin(now), BERLIN, **options)  # type: ignore[arg-type]
    return tuple(  # type: ignore[return-value]
        datetime.fromtimestamp(t, BERLIN).strftime("%a %Y-%m-%d %H:%M") for t in (start, end)
    )


def test_visit_windows_are_working_hour_slots_of_local_time() -> None:
    # Wednesday 2025-06-11: the urgent get today's slot while an hour of it is left.
    assert _window(1, "2025-06-11 10:00") == ("Wed 2025-06-11 08:00", "Wed 2025-06-11 12:00")
    assert _window(1, "2025-06-11 11:30") == ("Wed 2025-06-11 13:00", "Wed 2025-06-11 17:00")
    assert _window(1, "2025-06-11 16:30") == ("Thu 2025-06-12 08:00", "Thu 2025-06-12 12:00")
    assert _window(1, "2025-06-11 03:00") == ("Wed 2025-06-11 08:00", "Wed 2025-06-11 12:00")
    # Friday evening and the weekend wait for Monday morning.
    assert _window(1, "2025-06-13 17:30") == ("Mon 2025-06-16 08:00", "Mon 2025-06-16 12:00")
    assert _window(2, "2025-06-14 12:00") == ("Mon 2025-06-16 08:00", "Mon 2025-06-16 12:00")
    # Lead times, and the latest slot that still ends before the deadline.
    assert _window(3, "2025-06-16 09:00") == ("Thu 2025-06-19 13:00", "Thu 2025-06-19 17:00")
    on_time = _window(3, "2025-06-16 09:00", "2025-06-18 12:30")
    assert on_time == ("Wed 2025-06-18 08:00", "Wed 2025-06-18 12:00")
    too_late = _window(3, "2025-06-16 09:00", "2025-06-16 09:30")
    assert too_late == ("Mon 2025-06-16 08:00", "Mon 2025-06-16 12:00"), "the earliest then"
    # One visit per technician and slot; asap ignores the lead time.
    taken = {_berlin("2025-06-11 08:00"), _berlin("2025-06-11 13:00")}
    busy = _window(1, "2025-06-11 10:00", taken=taken)
    assert busy == ("Thu 2025-06-12 08:00", "Thu 2025-06-12 12:00")
    asap = _window(3, "2025-06-11 10:00", asap=True)
    assert asap == ("Wed 2025-06-11 08:00", "Wed 2025-06-11 12:00")
    # Local time across the DST change (Sunday 2025-03-30): 08:00 is 06:00 UTC after it.
    start, _ = visit_window(1, None, _berlin("2025-03-28 18:00"), BERLIN)
    assert datetime.fromtimestamp(start, UTC).strftime("%a %H:%M") == "Mon 06:00"
    start, _ = visit_window(1, None, _berlin("2025-03-27 18:00"), BERLIN)
    assert datetime.fromtimestamp(start, UTC).strftime("%a %H:%M") == "Fri 07:00"
    # Deterministic.
    assert _window(3, "2025-06-16 09:00") == _window(3, "2025-06-16 09:00")


def test_every_demo_technician_gets_explained_visits(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    sites: list[str] = []
    for who in DEMO_TECHNICIANS:
        tech = login(office, who)
        visits = tech.ok("GET", "/v1/visits")
        assert len(visits) >= 3, who
        for visit in visits:
            assert visit["insight_ids"] and visit["status"] == "scheduled"
            insights = [tech.ok("GET", f"/v1/insights/{i}") for i in visit["insight_ids"]]
            assert visit["summary"] in {i["headline"] for i in insights}
            assert all(i["severity"] in ("warning", "critical") for i in insights)
            assert {i["asset_id"] for i in insights} <= set(visit["asset_ids"])
            impacts = [
                datetime.fromisoformat(i["predicted_impact_at"])
                for i in insights
                if i["predicted_impact_at"]
            ]
            created = datetime.fromisoformat(visit["created_at"])
            start, end = (datetime.fromisoformat(visit[k]).astimezone(BERLIN) for k in WINDOW)
            assert (start.hour, end.hour) in WORK_SLOTS, visit  # the demo works every day
            assert start.date() == end.date() and (start.minute, end.minute) == (0, 0)
            assert end - created >= timedelta(hours=1), "a slot with time left to work in"
            if impacts and min(impacts) - created > timedelta(days=7):
                assert end <= min(impacts), "the visit is planned before the predicted impact"
            sites.append(visit["site_id"])
        slots = [tuple(v[k] for k in WINDOW) for v in visits]
        assert len(slots) == len(set(slots)), f"one visit per slot and technician: {who}"
        created = min(datetime.fromisoformat(v["created_at"]) for v in visits).timestamp()
        first = next(working_slots(created + MIN_SLOT_LEFT, BERLIN, EVERY_DAY))  # the demo's week
        most_urgent = min(visits, key=lambda v: (v["priority"], v["window_start"]))
        assert datetime.fromisoformat(most_urgent["window_start"]).timestamp() == first[0], (
            "the most urgent visit gets the next working slot (today's if time allows)"
        )
    assert len(sites) == len(set(sites)), "one open visit per site"


def test_rerunning_the_engine_changes_nothing(
    pinned_office: PinnedOffice, login: LoginFactory
) -> None:
    office = login(pinned_office(0.0), "office")  # at the moment of the first run
    before = office.ok("GET", "/v1/admin/stats")
    run = office.ok("POST", "/v1/admin/engine/run")
    assert run["assets"] == 120 and run["findings"] > 0
    changed = {k: v for k, v in run.items() if k not in ("assets", "findings") and v}
    assert changed == {}
    assert office.ok("GET", "/v1/admin/stats") == before


def test_the_first_run_analyses_exactly_the_history_stored(office: EmbeddedBackOffice) -> None:
    # The demo's first engine run analyses its history from memory while it is stored;
    # later runs read it back from the hourly rollup: the same series, bit for bit.
    with office.service.db.read() as conn:
        seed = int(db.meta_get(conn, "demo_seed") or 0)
        anchor = float(db.meta_get(conn, "demo_anchor") or 0.0)
        assets = {row.id for row in conn.execute(db.assets.select())}
        stored = _hourly_means(conn, anchor - ANALYSIS_DAYS * DAY, anchor, assets)
    signals = build_fleet(seed, anchor).signals
    memory = sample(signals, anchor - HISTORY_DAYS * DAY, anchor, HISTORY_STEP, seed)
    in_memory = memory.hourly_means()
    assert in_memory.keys() == stored.keys() == assets
    for asset_id, series in in_memory.items():
        assert series.keys() == stored[asset_id].keys()
        for metric, (t, v) in series.items():
            assert np.array_equal(t, stored[asset_id][metric][0]), (asset_id, metric)
            assert np.array_equal(v, stored[asset_id][metric][1]), (asset_id, metric)


@pytest.mark.parametrize("hour", [0, 1])  # two-hourly history starting on an odd or even hour
def test_analysing_the_fleet_together_finds_what_each_series_finds(hour: int) -> None:
    anchor = demo_anchor(1_700_000_000.0) + hour * 3600
    fleet = build_fleet(7, anchor)
    history = sample(fleet.signals, anchor - HISTORY_DAYS * DAY, anchor, HISTORY_STEP, 7)
    series = history.hourly_means()
    kinds = {str(a["id"]): AssetKind(str(a["kind"])) for a in fleet.assets}
    together = analyze_assets([(a, kinds[a], series[a]) for a in sorted(series)], anchor)
    alone = [
        finding
        for a in sorted(series)
        for spec in METRIC_CATALOGUE[kinds[a]]
        for finding in analyze_metric(a, spec, *series[a][spec.key], anchor)
    ]
    assert len(together) > 20
    assert together == alone  # findings compare every number of their evidence


def test_an_insight_whose_finding_disappears_resolves_and_its_visit_follows(
    pinned_office: PinnedOffice, login: LoginFactory
) -> None:
    fresh_office = pinned_office(HALF_HOUR)
    office = login(fresh_office, "office")
    found = None
    for who in DEMO_TECHNICIANS:
        tech = login(fresh_office, who)
        changes, cursor = tech.pull_all()
        insights = {c["id"]: c["data"] for c in changes if c["entity"] == "insight"}
        for visit in (c["data"] for c in changes if c["entity"] == "visit"):
            counters = [i for i in visit["insight_ids"] if insights[i]["kind"] == "counter"]
            if counters:
                found = tech, cursor, visit, insights[counters[0]]
                break
        if found:
            break
    assert found is not None, "the demo has a visit for a counter near its service limit"
    tech, cursor, visit, insight = found
    assert insight["status"] == "open"
    # The service was done: the counter was reset and restarts from zero.
    now = datetime.fromtimestamp(fresh_office.service.clock.now(), UTC)
    readings = [
        {
            "asset_id": insight["asset_id"],
            "metric": insight["metric"],
            "ts": (now - timedelta(seconds=s)).isoformat(),
            "value": 0.0,
        }
        for s in range(1, 21)
    ]
    assert office.ok("POST", "/v1/telemetry", json={"readings": readings})["accepted"] == 20
    run = office.ok("POST", "/v1/admin/engine/run")
    assert run["insights_resolved"] >= 1 and run["visits_updated"] >= 1
    assert office.ok("GET", f"/v1/insights/{insight['id']}")["status"] == "resolved"
    changes, _ = tech.pull_all(cursor)
    updated = next(c["data"] for c in changes if c["entity"] == "visit" and c["id"] == visit["id"])
    assert updated["version"] > visit["version"]
    assert updated["insight_ids"] == [i for i in visit["insight_ids"] if i != insight["id"]]
    remaining = [office.ok("GET", f"/v1/insights/{i}") for i in updated["insight_ids"]]
    if remaining:
        assert updated["summary"] in {i["headline"] for i in remaining}
    else:
        assert updated["summary"] == f"Findings resolved: {visit['summary']}"
    # Running again changes nothing more.
    again = office.ok("POST", "/v1/admin/engine/run")
    assert again["insights_resolved"] == 0 and again["visits_updated"] == 0


def test_demo_templates_only_use_the_agreed_wish_tags() -> None:
    tags = [
        tag
        for row in template_rows(0.0)
        for step in row["steps"]
        for tag in step.get("when_tags", [])
    ]
    assert tags, "some demo steps depend on wish tags"
    assert set(tags) <= set(WISH_TAGS), sorted(set(tags) - set(WISH_TAGS))


def test_an_insight_from_before_the_codes_gets_its_code_once(
    pinned_office: PinnedOffice, login: LoginFactory
) -> None:
    from sqlalchemy import select, update

    fresh_office = pinned_office(0.0)
    office = login(fresh_office, "office")
    ins = db.insights
    with fresh_office.service.db.read() as conn:
        row = conn.execute(
            select(ins).where(ins.c.status == "open", ins.c.kind == "trend").limit(1)).one()
    assert row.headline_code is not None and row.headline_code["code"].startswith("trend.")
    with fresh_office.service.db.write() as conn:  # as revision 0010 leaves an older row
        conn.execute(update(ins).where(ins.c.id == row.id).values(headline_code=None))
    run = office.ok("POST", "/v1/admin/engine/run")
    assert run["insights_updated"] == 1
    with fresh_office.service.db.read() as conn:
        after = conn.execute(select(ins).where(ins.c.id == row.id)).one()
    assert after.headline_code["code"] == row.headline_code["code"]
    assert after.headline_code["params"]["metric"] == row.metric
    assert after.version == row.version + 1
    assert office.ok("POST", "/v1/admin/engine/run")["insights_updated"] == 0
