"""The office runs the streaming detector: a NAB series replayed over HTTP raises its
unusual-behaviour insights exactly where AnomalyScorer crosses the threshold, also
across a restart of the office (SQLite and PostgreSQL).

The NAB data is read from the shared folder with the benchmark's own loader (never
copied into the repository).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from sqlalchemy import select

from concierge.domain import METRIC_CATALOGUE, AssetKind
from concierge.insights import AnomalyScorer
from concierge.insights.scorer import ALARM_THRESHOLD
from concierge.protocol.schemas import INSIGHT_KINDS_HEADER
from concierge_office import db, foresight
from concierge_office.demo_fleet import ADMIN_LOGIN
from concierge_office.engine import insight_id, priority
from concierge_office.foresight import PROBATION, alarm_key, anomaly_states
from concierge_office.server import EmbeddedBackOffice, start_embedded
from tests.office.conftest import LoginFactory
from tests.officedb import Template

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_nab import DataFile, load_corpus, nab_dir

NAB_FILE = "realAWSCloudwatch/ec2_network_in_257a54.csv"
ASSET = "asset-nab-replay"
KIND = AssetKind.CABLE_GATEWAY
METRIC = METRIC_CATALOGUE[KIND][0].key
BATCH = 400  # points per ingestion request; the scorer checkpoints every 500
RESTART_AFTER = 6  # batches: the last checkpoint is a batch behind, so points are re-scored


@pytest.fixture(scope="module")
def nab_series() -> DataFile:
    root = nab_dir()
    assert (root / "combined_windows.json").is_file(), (
        f"NAB data not found at {root}; set CONCIERGE_NAB_DIR to the shared nab folder"
    )
    return next(f for f in load_corpus(root) if f.name == NAB_FILE)


def expected_alarms(series: DataFile) -> list[float]:
    scorer = AnomalyScorer(PROBATION)
    return [
        t
        for t, v in zip(series.t.tolist(), series.v.tolist(), strict=True)
        if scorer.score(t, v) >= ALARM_THRESHOLD
    ]


def add_asset(bo: EmbeddedBackOffice) -> None:
    database = bo.service.db
    with database.write() as conn:
        site_id = conn.execute(select(db.sites.c.id).order_by(db.sites.c.id)).scalars().first()
        conn.execute(
            db.assets.insert(),
            {
                "id": ASSET,
                "site_id": site_id,
                "kind": KIND.value,
                "model": "NAB replay",
                "serial": "SN-NAB",
                "install_date": "2014-01-01",
                "service_limits": {},
                "version": 1,
                "updated_at": time.time(),
            },
        )


def readings(series: DataFile, first: int, last: int) -> list[dict[str, Any]]:
    return [
        {
            "asset_id": ASSET,
            "metric": METRIC,
            "ts": datetime.fromtimestamp(t, UTC).isoformat(),
            "value": v,
        }
        for t, v in zip(series.t[first:last].tolist(), series.v[first:last].tolist(), strict=True)
    ]


def alarm_insights(bo: EmbeddedBackOffice) -> list[Any]:
    ins = db.insights
    with bo.service.db.read() as conn:
        return list(
            conn.execute(
                select(ins).where(ins.c.asset_id == ASSET, ins.c.kind == "anomaly")
            ).all()
        )


@pytest.fixture
def office_url(demo_database: Template) -> Iterator[str]:
    url = demo_database.copy()
    yield url
    demo_database.backend.drop(url)


def test_replayed_nab_series_raises_insights_where_the_scorer_alarms_across_a_restart(
    office_url: str, nab_series: DataFile, login: LoginFactory
) -> None:
    expected = expected_alarms(nab_series)
    assert len(expected) >= 3, "the replayed series must alarm for the test to mean anything"
    n = nab_series.t.size
    batches = [(i, min(i + BATCH, n)) for i in range(0, n, BATCH)]
    assert len(batches) > RESTART_AFTER
    bo = start_embedded(office_url, live=False)
    try:
        add_asset(bo)
        admin = login(bo, ADMIN_LOGIN)
        for number, (first, last) in enumerate(batches, start=1):
            if number == RESTART_AFTER + 1:
                with bo.service.db.read() as conn:
                    state = conn.execute(select(anomaly_states)).all()
                bo.stop()
                bo = start_embedded(office_url, live=False)
                admin = login(bo, ADMIN_LOGIN)
                (row,) = [r for r in state if r.state is not None and r.checkpoint_until > 0]
                assert row.checkpoint_until < row.scored_until  # points to re-score
            accepted = admin.ok("POST", "/v1/telemetry", json={"readings": readings(
                nab_series, first, last)})
            assert accepted["accepted"] == last - first
            admin.ok("POST", "/v1/admin/engine/run")
            if number == RESTART_AFTER + 1:  # from the checkpoint on, not a new probation
                behind = sum(nab_series.t > row.checkpoint_until)
                assert bo.service.engine.watch.points_scored == behind - (n - last)
        raised = alarm_insights(bo)
        assert sorted(r.evidence["at"] for r in raised) == expected
        assert {r.key for r in raised} == {alarm_key(ASSET, METRIC, t) for t in expected}
        for row in raised:
            assert row.evidence["onset"] <= row.evidence["at"]
            assert row.evidence["channel"] in {"level", "shift", "variance", "shape", "range"}
            assert row.evidence["confidence_level"] in {"low", "medium", "high"}
            assert row.evidence["score"] >= ALARM_THRESHOLD
            assert row.status == "resolved"  # alarms of 2014: history, no visit
        # A client that reads the new kind gets it; one from before gets a kind it knows.
        ident = insight_id(alarm_key(ASSET, METRIC, expected[0]))
        new = admin.ok("GET", f"/v1/insights/{ident}", headers={INSIGHT_KINDS_HEADER: "trend,"
                                                                "deviation,counter,anomaly"})
        old = admin.ok("GET", f"/v1/insights/{ident}")
        assert (new["kind"], old["kind"]) == ("anomaly", "deviation")
        assert new["evidence"]["at"] == expected[0]
    finally:
        bo.stop()


def test_a_fresh_alarm_opens_an_insight_that_a_visit_takes_up(
    office_url: str, login: LoginFactory
) -> None:
    """No playbook covers unusual behaviour on this metric: the insight goes to a visit
    (severity warning, so normal priority), and its evidence carries the alarm window."""
    rng = np.random.default_rng(5)
    values = np.concatenate((36.0 + 0.3 * rng.standard_normal(PROBATION + 250),
                             38.5 + 0.3 * rng.standard_normal(50)))
    bo = start_embedded(office_url, live=False)
    try:
        add_asset(bo)
        now = bo.service.clock.now()
        times = float(int(now)) - 60.0 * np.arange(values.size, 0, -1)
        scorer = AnomalyScorer(PROBATION)
        expected = [t for t, v in zip(times.tolist(), values.tolist(), strict=True)
                    if scorer.score(t, v) >= ALARM_THRESHOLD]
        assert expected, "the step must alarm for the test to mean anything"
        admin = login(bo, ADMIN_LOGIN)
        admin.ok("POST", "/v1/telemetry", json={"readings": [
            {"asset_id": ASSET, "metric": METRIC, "ts": datetime.fromtimestamp(t, UTC).isoformat(),
             "value": v} for t, v in zip(times.tolist(), values.tolist(), strict=True)]})
        admin.ok("POST", "/v1/admin/engine/run")
        raised = alarm_insights(bo)
        assert sorted(r.evidence["at"] for r in raised) == expected
        assert {r.status for r in raised} == {"open"}
        assert {r.severity for r in raised} == {"warning"}
        with bo.service.db.read() as conn:
            vi, v, u = db.visit_insights, db.visits, db.users
            linked = conn.execute(
                select(vi.c.insight_id, u.c.login)
                .join(v, v.c.id == vi.c.visit_id)
                .join(u, u.c.id == v.c.technician_id)
            ).all()
        assert {r.id for r in raised} <= {insight for insight, _ in linked}
        assert priority("warning", None, now) == 3
        # The technician's laptop pulls it as "anomaly"; a laptop from before the kind
        # existed (no X-Insight-Kinds header) as a kind its schema knows, with the window.
        technician = login(bo, dict(linked)[raised[0].id])
        new, _ = technician.pull_all()
        technician.http.headers[INSIGHT_KINDS_HEADER] = "trend,deviation,counter,anomaly"
        current, _ = technician.pull_all()
        kinds = {
            name: {c["data"]["kind"] for c in changes if c["id"] == raised[0].id}
            for name, changes in (("old", new), ("current", current))
        }
        assert kinds == {"old": {"deviation"}, "current": {"anomaly"}}
        pulled = next(c["data"] for c in current if c["id"] == raised[0].id)
        assert pulled["evidence"]["onset"] <= pulled["evidence"]["at"] == expected[0]
    finally:
        bo.stop()


def test_a_playbook_opts_unusual_behaviour_into_remote_first() -> None:
    """Remote first (triage) finds a playbook by insight kind: one that lists "anomaly"
    takes unusual-behaviour insights; the shipped catalogue lists it nowhere yet."""
    from concierge_office.devices.playbooks import Catalogue, load_playbooks

    shipped = load_playbooks()
    assert all(
        shipped.find("anomaly", p.asset_kind.value, p.metric) is None for p in shipped.playbooks
    )
    playbook = shipped.playbooks[0].model_dump()
    opted = Catalogue.model_validate(
        {"version": 2, "playbooks": [{**playbook, "insight_kinds": ["anomaly"]}]}
    )
    found = opted.find("anomaly", playbook["asset_kind"], playbook["metric"])
    assert found is not None and found.id == playbook["id"]


def test_late_points_are_scored_in_order_or_counted_when_already_passed(
    office_url: str, login: LoginFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Points that arrive out of order but after the last scored point are scored in time
    order; points at or before it are stored, not scored, and counted and logged (a
    re-sent reading is a repeat, not a late point)."""
    rng = np.random.default_rng(7)
    n = PROBATION + 300
    values = np.concatenate((36.0 + 0.3 * rng.standard_normal(n - 60),
                             38.5 + 0.3 * rng.standard_normal(60)))
    bo = start_embedded(office_url, live=False)
    try:
        add_asset(bo)
        times = float(int(bo.service.clock.now())) - 60.0 * np.arange(n, 0, -1)
        first = np.arange(PROBATION + 100)
        held = first[PROBATION + 20 :: 17]  # holes in the first delivery: they come late
        sent_first = np.setdiff1d(first, held)
        rest = rng.permutation(np.arange(PROBATION + 100, n))  # new, but out of order
        admin = login(bo, ADMIN_LOGIN)

        def send(rows: npt.NDArray[np.int64]) -> None:
            admin.ok("POST", "/v1/telemetry", json={"readings": [
                {"asset_id": ASSET, "metric": METRIC,
                 "ts": datetime.fromtimestamp(times[i], UTC).isoformat(),
                 "value": values[i]} for i in rows.tolist()]})

        send(sent_first)
        admin.ok("POST", "/v1/admin/engine/run")
        before = foresight.late_points.total
        with caplog.at_level(logging.WARNING, logger="concierge_office.foresight"):
            send(np.concatenate((rest, held, sent_first[-5:])))  # late ones and repeats
        assert foresight.late_points.total - before == held.size
        assert f"{held.size} late readings stored but not scored" in caplog.text
        admin.ok("POST", "/v1/admin/engine/run")
        assert bo.service.engine.watch.points_scored == n - held.size
        scorer = AnomalyScorer(PROBATION)
        order = np.concatenate((sent_first, np.sort(rest)))
        expected = [float(times[i]) for i in order.tolist()
                    if scorer.score(float(times[i]), float(values[i])) >= ALARM_THRESHOLD]
        assert expected, "the step must alarm for the test to mean anything"
        assert sorted(r.evidence["at"] for r in alarm_insights(bo)) == expected
    finally:
        bo.stop()
