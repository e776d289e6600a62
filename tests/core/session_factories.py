"""Schema objects and telemetry for the session's core tests and benchmarks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from concierge.domain import AssetKind, InsightKind, Severity, StepType
from concierge.protocol.schemas import (
    Asset,
    Change,
    ChecklistStepTemplate,
    ChecklistTemplate,
    Insight,
    PullResponse,
    Site,
    TelemetrySeries,
    Visit,
)
from concierge.store import Store

NOW = 1_750_000_000.0
DAY = 86_400.0
NOW_DT = datetime.fromtimestamp(NOW, UTC)


def asset(ident: str, kind: AssetKind = AssetKind.ELEVATOR) -> Asset:
    return Asset(
        id=ident, site_id="site-1", kind=kind, model="M1", serial=f"SN-{ident}",
        install_date=date(2020, 1, 1), updated_at=NOW_DT,
    )


def site() -> Site:
    return Site(
        id="site-1", customer_name="Acme Housing", name="Tower A", address="1 Main St",
        latitude=0.0, longitude=0.0, region="north", updated_at=NOW_DT,
    )


def visit(asset_ids: list[str], insight_ids: list[str]) -> Visit:
    return Visit(
        id="visit-1", site_id="site-1", technician_id="tech-1", asset_ids=asset_ids,
        insight_ids=insight_ids, window_start=NOW_DT, window_end=NOW_DT, priority=2,
        status="scheduled", summary="Door cycle time drifting up", created_at=NOW_DT,
        updated_at=NOW_DT,
    )


def trend_insight(
    ident: str,
    asset_id: str,
    metric: str,
    *,
    level: float,
    slope: float,
    threshold: float,
    status: Literal["open", "resolved"] = "open",
) -> Insight:
    """A trend insight whose line is at ``level`` now and moves ``slope`` per day."""
    days = (threshold - level) / slope if slope else None
    impact = None if days is None or days < 0 else datetime.fromtimestamp(NOW + days * DAY, UTC)
    return Insight(
        id=ident, asset_id=asset_id, site_id="site-1", metric=metric, kind=InsightKind.TREND,
        severity=Severity.WARNING, confidence=0.8, predicted_impact_at=impact,
        evidence={"slope_per_day": slope, "intercept": level, "t_ref": NOW,
                  "threshold": threshold, "residual_scale": 0.1},
        explanation=f"{metric} is drifting.", headline=f"{metric} drifting",
        status=status, created_at=NOW_DT, updated_at=NOW_DT,
    )


def counter_insight(ident: str, asset_id: str, metric: str) -> Insight:
    return Insight(
        id=ident, asset_id=asset_id, site_id="site-1", metric=metric, kind=InsightKind.COUNTER,
        severity=Severity.INFO, confidence=0.9,
        predicted_impact_at=datetime.fromtimestamp(NOW + 20 * DAY, UTC),
        evidence={"counter_value": 1_900_000.0, "service_limit": 2_000_000.0},
        explanation="Door cycles near the service limit.", headline="Door service due",
        created_at=NOW_DT, updated_at=NOW_DT,
    )


def step(key: str, step_type: StepType = StepType.CHECK, **kw: Any) -> ChecklistStepTemplate:
    return ChecklistStepTemplate(key=key, title=f"Step {key}", type=step_type, **kw)


def elevator_template() -> ChecklistTemplate:
    return ChecklistTemplate(
        id="tpl-elevator", asset_kind=AssetKind.ELEVATOR, name="Elevator tune-up",
        updated_at=NOW_DT,
        steps=[
            step("inspect"),
            step("door-adjust", StepType.MEASUREMENT, unit="s", target_low=3.0, target_high=5.0,
                 metric="door_cycle_time", when_metrics=["door_cycle_time"]),
            step("motor-check", StepType.MEASUREMENT, unit="°C", target_low=30.0,
                 target_high=65.0, metric="motor_temp", when_metrics=["motor_temp"]),
            step("quiet-doors", StepType.CHOICE, choices=["Rollers", "Track", "None"],
                 when_tags=["noise"]),
            step("photo", StepType.PHOTO, required=False),
            step("note", StepType.NOTE, required=False),
        ],
    )


def series(level: float, slope_per_day: float = 0.0, *, days: float = 14.0, step_s: float = 600.0,
           noise: float = 0.0, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced readings ending at NOW."""
    t = np.arange(NOW - days * DAY, NOW + 1.0, step_s)
    rng = np.random.default_rng(seed)
    v = level + slope_per_day * (t - NOW) / DAY + rng.normal(0.0, noise, t.size)
    return t, v


def seeded_store(
    root: Path,
    *,
    n_assets: int = 1,
    insights: list[Insight] | None = None,
    levels: dict[str, float] | None = None,
) -> Store:
    """A real store holding one visit to ``n_assets`` elevators with 14 days of telemetry,
    filled through the store's own replication API (as a sync would)."""
    store = Store.open(root / "store.sqlite3", root / "attachments")
    assets = [asset(f"e{i + 1}") for i in range(n_assets)]
    found = insights or []
    records: list[tuple[str, str, dict[str, Any]]] = [
        ("site", "site-1", site().model_dump(mode="json")),
        ("template", "tpl-elevator", elevator_template().model_dump(mode="json")),
        ("visit", "visit-1",
         visit([a.id for a in assets], [i.id for i in found]).model_dump(mode="json")),
        *(("asset", a.id, a.model_dump(mode="json")) for a in assets),
        *(("insight", i.id, i.model_dump(mode="json")) for i in found),
    ]
    changes = [
        Change.model_validate(
            {"entity": e, "id": ident, "seq": n + 1, "version": 1, "data": data}
        )
        for n, (e, ident, data) in enumerate(records)
    ]
    store.replication.apply_page(
        PullResponse(changes=changes, cursor="c1", has_more=False), report_urgent=False
    )
    wanted = {"door_cycle_time": 5.0, "motor_temp": 60.0, "vibration": 2.0,
              "trips_per_hour": 20.0, "availability": 99.5} | (levels or {})
    t, _ = series(0.0, step_s=900.0)
    start = datetime.fromtimestamp(float(t[0]), UTC)
    telemetry = [
        TelemetrySeries(
            asset_id=a.id, metric=m, start=start, end=NOW_DT, bucket_seconds=900,
            t=t.tolist(), min=[level] * t.size, mean=[level] * t.size, max=[level] * t.size,
            count=[1] * t.size,
        )
        for a in assets for m, level in wanted.items()
    ]
    store.replication.store_telemetry(
        900, asset_ids=[a.id for a in assets], series=telemetry,
        replace_from=float(t[0]), keep_from=float(t[0]), until=NOW,
    )
    return store


def add_next_visit(store: Store, ident: str = "visit-2", days_later: float = 30.0) -> Visit:
    """Another visit to the same site and asset, ``days_later`` after visit-1 (as a sync
    would bring it)."""
    when = datetime.fromtimestamp(NOW + days_later * DAY, UTC)
    nxt = visit(["e1"], []).model_copy(update={"id": ident, "window_start": when,
                                               "window_end": when})
    change = Change.model_validate({"entity": "visit", "id": ident, "seq": 1000,
                                    "version": 1, "data": nxt.model_dump(mode="json")})
    store.replication.apply_page(PullResponse(changes=[change], cursor="c2", has_more=False),
                                 report_urgent=False)
    return nxt
