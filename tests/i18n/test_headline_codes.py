"""Insight headlines and visit summaries as codes with parameters: made by the detectors,
rendered per locale, with the English text for a code this version does not know and
the read-back of the English for records from before the codes."""

from __future__ import annotations

import numpy as np
import pytest

from concierge.domain import metric_spec
from concierge.i18n import Msg, translator_for
from concierge.insights import Finding, analyze_metric
from concierge.insights.series import DAY
from concierge.insights.synthetic import DEFAULT_END, synthetic_series
from concierge.insights.text import (
    HEADLINE_CODES,
    beyond_headline,
    coded_msg,
    crosses_headline,
    headline_msg,
    headline_text,
    limit_reached_headline,
    limit_share_headline,
    limit_soon_headline,
    noise_headline,
    resolved_summary,
    shift_headline,
    spikes_headline,
    unusual_headline,
)
from concierge.protocol import schemas
from concierge.session.checklist import INSIGHT_REASON, reason_msg
from tests.core.session_factories import trend_insight

DE, EN = translator_for("de"), translator_for("en")
NOW = DEFAULT_END
MOTOR = metric_spec("elevator", "motor_temp")
DOOR_CYCLES = metric_spec("elevator", "door_cycles")
DOOR_TIME = metric_spec("elevator", "door_cycle_time")
SNR = metric_spec("cable_gateway", "snr")
LATENCY = metric_spec("cable_gateway", "latency")
VIBRATION = metric_spec("elevator", "vibration")

HEADLINES = [
    limit_reached_headline(DOOR_CYCLES),
    limit_soon_headline(DOOR_CYCLES, 9.2),
    limit_soon_headline(DOOR_CYCLES, 0.4),
    limit_share_headline(DOOR_CYCLES, 1_740_000.0, 2_000_000.0),
    crosses_headline(DOOR_TIME, 6.0, 5.1),
    beyond_headline(MOTOR, "above", "warning", 75.0),
    beyond_headline(SNR, "below", "critical", 27.0),
    shift_headline(VIBRATION, True, 1.86, NOW - 3 * DAY, NOW),
    shift_headline(SNR, False, 4.9, NOW - 3 * DAY, NOW),
    spikes_headline(LATENCY, 4, 2.0),
    spikes_headline(LATENCY, 3, 0.5),
    noise_headline(VIBRATION, 4.12),
    unusual_headline("motor_temp", "Motor temperature"),
]


@pytest.mark.parametrize("headline", HEADLINES, ids=lambda h: h.code)
def test_each_code_renders_as_its_english_and_in_german(headline) -> None:
    message = coded_msg(headline.coded())
    assert isinstance(message, Msg)
    old = headline_msg(headline.text)  # a record from before the codes reads the same
    assert isinstance(old, Msg)
    assert EN.render(message) == EN.render(old)  # the code says what the English says
    german = DE.render(message)
    assert german != headline.text
    assert DE.render(old) == german
    assert headline.code in HEADLINE_CODES


def test_german_wording_of_codes() -> None:
    assert DE.render(coded_msg(limit_soon_headline(DOOR_CYCLES, 9.2).coded())) == (
        "Türzyklen: Wartungsgrenze in ~9 Tagen")
    assert DE.render(coded_msg(crosses_headline(LATENCY, 1050.0, 0.3).coded())) == (
        "Latenz erreicht 1.050 ms innerhalb eines Tages")
    assert DE.render(coded_msg(shift_headline(VIBRATION, True, 1.86, NOW - 3 * DAY,
                                              NOW).coded())) == (
        "Vibration seit 11. Nov. um 1,86 mm/s gestiegen")
    # the year is said when the day lies in another year than the last reading's
    last_year = shift_headline(VIBRATION, True, 1.86, NOW - 330 * DAY, NOW)
    assert "2022" in last_year.text
    assert "2022" in DE.render(coded_msg(last_year.coded()))


def test_detectors_send_codes_with_their_headlines() -> None:
    findings: list[Finding] = []
    t, v = synthetic_series(level=55.0, daily_amplitude=5.0, noise=1.0, slope_per_day=0.5)
    findings += analyze_metric("lift-1", MOTOR, t, v, NOW)  # crosses
    t, v = synthetic_series(level=88.0, daily_amplitude=2.0, noise=0.5)
    findings += analyze_metric("lift-1", MOTOR, t, v, NOW)  # beyond critical
    t, v = synthetic_series(level=36.0, daily_amplitude=0.8, noise=0.6, seed=3)
    v = v.copy()
    v[t > NOW - 3 * DAY] -= 4.9
    findings += analyze_metric("gw-7", SNR, t, v, NOW)  # level shift
    t, v = synthetic_series(level=15.0, daily_amplitude=3.0, noise=1.5, seed=5)
    v = v.copy()
    recent = np.flatnonzero(t > NOW - 2 * DAY)
    v[np.random.default_rng(0).choice(recent, 12, replace=False)] += 40.0
    findings += analyze_metric("gw-7", LATENCY, t, v, NOW)  # spikes
    t = NOW - np.arange(720, 0, -1) * 3600.0
    findings += analyze_metric("lift-1", DOOR_CYCLES, t, 1_990_000.0 + np.arange(720) * 20.0,
                               NOW)  # counter beyond the limit
    codes = set()
    for finding in findings:
        assert finding.headline_code is not None, finding.headline
        coded = schemas.CodedText.model_validate(finding.headline_code)  # as sent
        message = coded_msg(coded)
        assert message is not None
        assert EN.render(message) == EN.render(headline_msg(finding.headline))
        codes.add(coded.code)
    assert codes == {"trend.crosses", "trend.beyond", "deviation.shift", "deviation.spikes",
                     "counter.limit_reached"}


def test_a_newer_offices_code_shows_the_english_text() -> None:
    text = "Door cycles: service overdue by 3 days"
    assert headline_text(text, {"code": "counter.overdue", "params": {"days": 3}}) == text
    # a known code whose parameters do not fit it (a newer office's) shows the text too
    bad = {"code": "counter.limit_soon", "params": {"metric": "door_cycles", "days": "soon"}}
    assert headline_text(text, bad) == text
    assert headline_text(text, {"code": "anomaly.unusual", "params": {"metric": "warp"}}) == text
    # even when its English would read back: the code decides
    known_english = "Door cycles: service limit in ~9 days"
    assert headline_text(known_english, {"code": "counter.future", "params": {}}) == (
        known_english)


def test_a_record_from_before_the_codes_is_read_back_from_its_english() -> None:
    message = headline_text("Door cycles: service limit in ~9 days", None)
    assert DE.render(message) == "Türzyklen: Wartungsgrenze in ~9 Tagen"
    assert headline_text("Routine check 12", None) == "Routine check 12"


def test_resolved_summary_nests_the_previous_code() -> None:
    before = limit_soon_headline(DOOR_CYCLES, 9.2)
    text, coded = resolved_summary(before.text, before.coded())
    assert text == "Findings resolved: Door cycles: service limit in ~9 days"
    wire = schemas.CodedText.model_validate(coded)
    assert DE.render(headline_text(text, wire)) == (
        "Befunde behoben: Türzyklen: Wartungsgrenze in ~9 Tagen")
    assert resolved_summary("Routine check 3", None) == ("Findings resolved: Routine check 3",
                                                         None)


def test_checklist_reason_uses_the_insights_code() -> None:
    insight = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    coded = crosses_headline(DOOR_TIME, 6.0, 5.1)
    insight = insight.model_copy(update={"headline": "Door cycle time gets slow",
                                         "headline_code": schemas.CodedText.model_validate(
                                             coded.coded())})
    reason = INSIGHT_REASON + "Door cycle time gets slow"
    assert DE.render(reason_msg(reason, [insight])) == (
        "Befund: Türzykluszeit erreicht 6 s in ~5 Tagen")
    assert "Door cycle time gets slow" in DE.render(reason_msg(reason))  # no insight: as sent


def test_old_and_new_records_pass_the_pull_checks() -> None:
    from concierge.sync.checks import _record_problem

    insight = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    new = insight.model_dump(mode="json") | {"headline_code": crosses_headline(
        DOOR_TIME, 6.0, 5.1).coded()}
    old = {k: v for k, v in insight.model_dump(mode="json").items() if k != "headline_code"}
    assert _record_problem("insight", "i1", new) is None
    assert _record_problem("insight", "i1", old) is None  # an office from before the codes
    bad = new | {"headline_code": {"code": "Not A Code!", "params": {}}}
    assert _record_problem("insight", "i1", bad) is not None


def test_the_board_keeps_a_visits_summary_code(tmp_path) -> None:
    """A store from before the codes gets the column filled from its records; later
    writes keep it; the board renders it in the reader's language."""
    import json
    import sqlite3

    from concierge.store import Store
    from concierge.store.schema import MIGRATIONS

    coded = limit_soon_headline(DOOR_CYCLES, 9.2)
    path = tmp_path / "old.sqlite3"
    visit = {"id": "v1", "site_id": "s1", "asset_ids": ["a1"], "window_start":
             "2026-01-01T08:00:00Z", "window_end": "2026-01-01T10:00:00Z", "priority": 2,
             "status": "scheduled", "summary": coded.text, "summary_code": coded.coded(),
             "updated_at": "2026-01-01T00:00:00Z"}
    with sqlite3.connect(path) as conn:
        conn.executescript(f"BEGIN;{MIGRATIONS[0]}\nPRAGMA user_version = 1;COMMIT;")
        conn.execute("INSERT INTO records (entity, id, version, data) VALUES (?, ?, 1, ?)",
                     ("visit", "v1", json.dumps(visit)))
    with Store.open(path, tmp_path / "att") as store:
        [row] = store.visit_rows()
        assert row.summary_code is not None
        assert DE.render(headline_text(row.summary, json.loads(row.summary_code))) == (
            "Türzyklen: Wartungsgrenze in ~9 Tagen")
        later = visit | {"summary_code": limit_reached_headline(DOOR_CYCLES).coded()}
        with store._db.write() as conn:
            conn.execute("UPDATE records SET data = ? WHERE entity = 'visit' AND id = 'v1'",
                         (json.dumps(later),))
        [row] = store.visit_rows()
        assert json.loads(row.summary_code)["code"] == "counter.limit_reached"
        without = visit | {"summary_code": None}
        with store._db.write() as conn:
            conn.execute("UPDATE records SET data = ? WHERE entity = 'visit' AND id = 'v1'",
                         (json.dumps(without),))
        [row] = store.visit_rows()
        assert row.summary_code is None


def test_an_insight_steps_instructions_in_the_readers_language() -> None:
    from concierge.protocol.schemas import Asset
    from concierge.session.checklist import generate, step_instructions_msg

    insight = trend_insight("i1", "lift-1", "door_cycle_time", level=5.5, slope=0.1,
                            threshold=6.0)
    asset = Asset.model_validate({
        "id": "lift-1", "site_id": "site-1", "kind": "elevator", "model": "X", "serial": "S1",
        "install_date": "2020-01-01", "version": 1, "updated_at": "2026-01-01T00:00:00Z"})
    [item] = [i for i in generate([asset], {}, [insight], []) if i.key.startswith("insight-")]
    assert item.instructions.endswith("Find the cause, tune, then measure again.")  # stored
    german = DE.render(step_instructions_msg(item, [insight]))
    assert german.endswith("Ursache finden, einstellen und erneut messen.")
    assert "Türzykluszeit" in german and "drifting" not in german
    assert step_instructions_msg(item) == item.instructions  # without the insight: as stored
