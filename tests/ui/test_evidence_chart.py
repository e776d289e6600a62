"""The evidence chart shows the office's remote attempts as markers with their result, and
the window in which an "unusual behaviour" insight was seen; colours from the palette."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from concierge.domain import AssetKind, metric_spec
from concierge.protocol.schemas import Change, Insight, PullResponse, RemoteAttempt
from concierge.store import Store
from tests.core.session_factories import NOW, seeded_store, trend_insight, visit
from tests.ui.contrast import chart_failures
from tests.ui.test_palette_colours import PALETTES
from ui.charts import Forecast, TelemetryChart
from ui.tasks import TaskManager
from ui.theme import AA_GRAPHIC, palette_for, semantic
from ui.visit.data import VisitBundle, load_bundle
from ui.visit.detail import VisitDetail
from ui.visit.evidence import anomaly_spans, attempt_events

pytestmark = pytest.mark.qt
HOUR = 3600.0


def at(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def attempt(result: str, t: float, *, asset_id: str = "e1", acked: bool = True,
            **fields: Any) -> RemoteAttempt:
    values: dict[str, Any] = dict(
        decision_key=f"i1:elevator-door-recalibrate:{result}", insight_id="i1",
        asset_id=asset_id, action="elevator-door-recalibrate",
        command="door_operator.recalibrate", command_id=f"cmd-{result}",
        command_state="done", safety="automatic", result=result, metric="door_cycle_time",
        direction="down", decided_at=at(t - 60), sent_at=at(t),
        acked_at=at(t + 5) if acked else None, concluded_at=at(t + HOUR),
        baseline=5.5, observed=4.2 if result == "fixed" else 5.5)
    return RemoteAttempt(**(values | fields))


def anomaly(onset: float, end: float) -> Insight:
    return Insight(
        id="i-unusual", asset_id="e1", site_id="site-1", metric="door_cycle_time",
        kind="anomaly", severity="warning", confidence=0.8,
        evidence={"score": 0.9, "onset": onset, "at": end, "channel": "spread", "ratio": 4.0,
                  "confidence_level": "high"},
        explanation="Door cycle time varies 4 times its usual spread.",
        headline="Door cycle time: unusual behaviour", created_at=at(end), updated_at=at(end))


def chart_with_series(qtbot: QtBot) -> TelemetryChart:
    chart = TelemetryChart(metric_spec(AssetKind.ELEVATOR, "door_cycle_time"), "Door cycle time")
    qtbot.addWidget(chart)
    t = NOW - 14 * 86_400 + np.arange(0, 14 * 86_400, 900.0)
    chart.set_series(t, 5.0 + (t - t[0]) / 86_400 * 0.05)
    return chart


@pytest.fixture
def scheme(qapp: QApplication) -> Iterator[Callable[[str, QPalette], None]]:
    """Switch live, as the theme controller does: the scheme's name, then the palette."""
    before, palette = qapp.property("conciergeScheme"), QPalette(qapp.palette())

    def switch(name: str, to: QPalette) -> None:
        qapp.setProperty("conciergeScheme", name)
        qapp.setPalette(to)

    yield switch
    qapp.setProperty("conciergeScheme", before)
    qapp.setPalette(palette)


def line(meaning: str) -> str:
    """A meaning's colour for lines and markers on the application's palette now."""
    return semantic(meaning, QGuiApplication.palette(), AA_GRAPHIC).name()


def test_remote_attempts_are_markers_with_their_result_on_the_mean_line(qtbot: QtBot) -> None:
    chart = chart_with_series(qtbot)
    worked, failed = attempt("fixed", NOW - 2 * 86_400), attempt(
        "not_fixed", NOW - 5 * 86_400, acked=False)
    chart.set_events(attempt_events([worked, failed], "s"))

    (first, first_marker), (second, second_marker) = chart.events  # in time order
    assert first.t == failed.sent_at.timestamp() and second.t == worked.sent_at.timestamp()
    assert first.tooltip.splitlines() == [
        "Remote: Door operator recalibration",
        f"Sent {_local(failed.sent_at)}",
        "Not acknowledged by the device",
        "Result: no effect (5.5 s before, 5.5 s after)",
    ]
    assert second.tooltip.splitlines()[2] == f"Acknowledged by the device {_local(worked.acked_at)}"
    assert second.tooltip.splitlines()[3] == "Result: effect verified (5.5 s before, 4.2 s after)"
    assert first_marker.toolTip() == first.tooltip
    x, y = (float(v[0]) for v in second_marker.getData())
    assert y == pytest.approx(float(np.interp(x, chart._t, chart._mean)))  # on the line
    assert _brush(first_marker) == line("error") and _brush(second_marker) == line("ok")
    assert _legend(chart) >= {"Remote fix: worked", "Remote fix: no effect"}
    assert "Result: effect verified" in chart.accessibleDescription()
    (x0, x1), _y = chart.viewbox.viewRange()
    assert x0 <= first.t and second.t <= x1


def test_markers_and_spans_follow_a_live_switch_to_dark(
        qtbot: QtBot, scheme: Callable[[str, QPalette], None]) -> None:
    scheme("light", palette_for("light"))
    chart = chart_with_series(qtbot)
    chart.set_events(attempt_events([attempt("awaiting_approval", NOW - 86_400,
                                             sent_at=None, acked_at=None, command_id=None)]))
    chart.set_spans(anomaly_spans([anomaly(NOW - 3 * 86_400, NOW - 2 * 86_400)], "e1",
                                  "door_cycle_time"))
    ((event, marker),) = chart.events
    ((_span, region, _label),) = chart.spans
    assert _brush(marker) == line("warn")
    scheme("dark", palette_for("dark"))  # no call: the palette change event restyles
    qtbot.waitUntil(lambda: _brush(marker) == line("warn"))
    assert region.brush.color().name() == line("warn")
    assert event.tooltip.splitlines()[1].startswith("Decided ")
    assert event.tooltip.splitlines()[-1] == "Result: waiting for approval"


def test_the_anomaly_window_is_shaded_and_explained(qtbot: QtBot) -> None:
    chart = chart_with_series(qtbot)
    onset, end = NOW - 3 * 86_400, NOW - 2.5 * 86_400
    spans = anomaly_spans([anomaly(onset, end)], "e1", "door_cycle_time")
    assert anomaly_spans([anomaly(onset, end)], "e2", "door_cycle_time") == []
    chart.set_spans(spans)
    ((span, region, label),) = chart.spans
    assert region.getRegion() == pytest.approx((onset, end))
    assert label.toPlainText().startswith("Unusual since ")
    assert span.tooltip.startswith("Unusual behaviour: the engine saw Door cycle time change")
    assert region.brush.color().name() == line("warn")
    assert span.tooltip in chart.accessibleDescription()


@pytest.mark.parametrize("name", list(PALETTES))
def test_every_chart_colour_reads_at_aa_after_a_live_switch(
        qtbot: QtBot, scheme: Callable[[str, QPalette], None], name: str) -> None:
    """Words 4.5:1 and lines 3:1 on the chart's background: thresholds and their labels,
    the trend and forecast, the crossing and its label, markers and the anomaly span."""
    scheme("light", palette_for("light"))
    chart = chart_with_series(qtbot)
    assert set(chart.threshold_lines) == {"warning", "critical"}
    crossing = NOW + 3 * 86_400
    chart.set_forecast(Forecast(0.05, 5.7, NOW, threshold=6.0, crossing_at=crossing,
                                fit_start=NOW - 7 * 86_400))
    chart.set_events(attempt_events([attempt("fixed", NOW - 2 * 86_400),
                                     attempt("not_fixed", NOW - 5 * 86_400),
                                     attempt("awaiting_approval", NOW - 86_400)], "s"))
    chart.set_spans(anomaly_spans([anomaly(NOW - 3 * 86_400, NOW - 2 * 86_400)], "e1",
                                  "door_cycle_time"))
    assert chart.crossing_label is not None and len(chart.events) == 3 and chart.spans
    palette = PALETTES[name]()
    base = palette.color(QPalette.ColorRole.Base)
    scheme("dark" if name in ("dark", "navy") else "light", palette)
    qtbot.waitUntil(lambda: chart.backgroundBrush().color() == base)
    assert chart_failures(chart) == [], name


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    trend = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    unusual = anomaly(NOW - 3 * 86_400, NOW - 2.5 * 86_400)
    s = seeded_store(tmp_path, insights=[trend, unusual])
    tried = visit(["e1"], ["i1", "i-unusual"]).model_copy(update={
        "version": 2,
        "remote_attempts": [attempt("not_fixed", NOW - 2 * 86_400),
                            attempt("fixed", NOW - 86_400, asset_id="e9")]})  # another asset
    s.replication.apply_page(PullResponse(changes=[Change.model_validate(
        {"entity": "visit", "id": "visit-1", "seq": 50, "version": 2,
         "data": tried.model_dump(mode="json")})], cursor="c2", has_more=False),
        report_urgent=False)
    yield s
    s.close()


def test_the_visit_page_marks_its_attempts_and_anomaly_window(
        qtbot: QtBot, tasks: TaskManager, store: Store) -> None:
    bundles: list[VisitBundle] = []
    with qtbot.waitSignal(tasks.finished_all, timeout=10_000):
        tasks.db(lambda: load_bundle(store, "visit-1", now=NOW)).success(bundles.append).run()
    [bundle] = bundles
    detail = VisitDetail(bundle, open_address=lambda _site: None)
    qtbot.addWidget(detail)
    (door,) = [c for c in detail.charts if c.spec is not None and c.spec.key == "door_cycle_time"]
    ((event, _marker),) = door.events  # only this asset's attempt
    assert event.legend == "Remote fix: no effect"
    assert door.forecast is not None  # the trend insight still draws its forecast
    ((span, _region, _label),) = door.spans
    assert (span.start, span.end) == (NOW - 3 * 86_400, NOW - 2.5 * 86_400)


def _local(value: datetime | None) -> str:
    from ui.format import clock, day_text, local

    moment = local(value)
    assert moment is not None
    return f"{day_text(moment)} {clock(moment)}"


def _brush(marker: Any) -> str:
    return str(marker.opts["brush"].color().name())


def _legend(chart: TelemetryChart) -> set[str]:
    return {label.text for _sample, label in chart.legend.items}
