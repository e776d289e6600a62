from datetime import UTC, datetime

from concierge.domain import AssetKind, StepType
from concierge.session.checklist import generate
from concierge.session.model import (
    KpiBaseline,
    Measurement,
    SessionDoc,
    SignOff,
    StepResult,
    Wish,
)
from concierge.session.report import build_report
from concierge.session.text import fmt_days, fmt_pct, fmt_value
from tests.core.session_factories import (
    NOW,
    NOW_DT,
    asset,
    elevator_template,
    site,
    trend_insight,
    visit,
)


def test_report_content_from_a_finished_session() -> None:
    ins = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    e1 = asset("e1")
    doc = SessionDoc(
        checklist=generate([e1], {AssetKind.ELEVATOR: elevator_template()}, [ins], ["noise"]),
        baseline=[KpiBaseline(asset_id="e1", kpi="door_cycle_time", value=5.5, n=100)],
        after=[Measurement(asset_id="e1", kpi="door_cycle_time", value=4.0, at=NOW_DT)],
        recommendations=["Replace door rollers next spring"],
        follow_ups=["Call in two weeks"],
        rating=5,
        comment="Much quieter",
        sign_off=SignOff(name="Sam Tech", at=NOW_DT),
    )
    doc.wishes.items = [Wish(id="w-1", text="The doors are slow and noisy")]
    doc.wishes.tags = ["noise", "speed"]
    doc.wishes.present = ["Ms Jones (manager)"]
    doc.results["e1/door-adjust"] = StepResult(status="done", value=4.0, note="Closer tuned")
    doc.results["e1/quiet-doors"] = StepResult(status="done", value="Rollers")
    doc.results["e1/inspect"] = StepResult(status="skipped", skip_reason="No access to pit")
    report = build_report(
        doc, visit(["e1"], ["i1"]), site(), [e1], [ins], now=datetime.fromtimestamp(NOW, UTC)
    )
    assert report.customer == "Acme Housing" and report.technician == "Sam Tech"
    assert report.wish_tags == ["Noise", "Speed"]
    assert [(d.title, d.detail) for d in report.done] == [
        ("Step door-adjust", "4 s — Closer tuned"), ("Step quiet-doors", "Rollers")
    ]
    assert [(s.title, s.detail, s.where) for s in report.skipped] == [
        ("Step inspect", "No access to pit", "Elevator M1 (SN-e1)")
    ]
    [row] = report.comparisons
    assert (row.before, row.after, round(row.change_pct or 0, 1)) == (5.5, 4.0, -27.3)
    assert row.verdict == "improved"
    [out] = report.insights
    assert out.status == "mitigated"
    assert report.rating == 5 and report.recommendations == ["Replace door rollers next spring"]


def test_text_formats() -> None:
    assert fmt_value(4.0, "s") == "4 s"
    assert fmt_value(12.345, "°C") == "12.3 °C"
    assert fmt_value(0.25) == "0.25"
    assert fmt_value(2400.0, "trips/day") == "2,400 trips/day"
    assert fmt_value(None) == "—"
    assert fmt_pct(27.27) == "+27.3%"  # English; German is "+27,3 %" (test_i18n)
    assert fmt_days(None, 60) == "not within 60 days"
    assert fmt_days(0.2, 60) == "now"
    assert fmt_days(12.4, 60) == "in 12 days"
    assert StepType.NOTE.value == "note"
