"""Ingestion validated per reading; downsampled reads with a cap on points."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from concierge_office.server import EmbeddedBackOffice
from tests.office.conftest import Api, LoginFactory


def _stats(office: Api) -> dict[str, int]:
    return office.ok("GET", "/v1/admin/stats")["rows"]  # type: ignore[no-any-return]


def test_ingestion_keeps_valid_readings_and_reports_the_rest(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    office = login(fresh_office, "office")
    now = datetime.now(UTC)
    good = {"asset_id": "asset-001", "metric": "vibration", "ts": now.isoformat(), "value": 1.5}
    bad = [
        {**good, "value": "high"},
        {**good, "value": True},
        {**good, "metric": "snr"},  # not an elevator metric
        {**good, "asset_id": "asset-999"},
        {**good, "ts": "1999-12-31T23:00:00+00:00"},
        {**good, "ts": (now + timedelta(days=2)).isoformat()},
        {**good, "ts": "2024-01-01T00:00:00"},  # no timezone
        {"asset_id": "asset-001", "metric": "vibration"},
    ]
    readings = [good, *bad, {**good, "ts": (now - timedelta(minutes=1)).isoformat()}]
    before = _stats(office)["telemetry"]
    result = office.ok("POST", "/v1/telemetry", json={"readings": readings})
    assert result["accepted"] == 2
    assert [r["index"] for r in result["rejected"]] == list(range(1, len(bad) + 1))
    codes = {r["index"]: r["errors"][0]["code"] for r in result["rejected"]}
    assert (
        codes[3] == "unknown_metric"
        and codes[4] == "unknown_asset"
        and codes[5] == "ts_out_of_range"
    )
    assert _stats(office)["telemetry"] == before + 2
    none_valid = office.post("/v1/telemetry", json={"readings": bad})
    assert (
        none_valid.status_code == 422 and none_valid.json()["error"]["code"] == "no_valid_readings"
    )
    assert _stats(office)["telemetry"] == before + 2


def test_a_month_of_minute_data_comes_back_bucketed(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    office, ana = login(fresh_office, "office"), login(fresh_office, "ana")
    asset = next(
        a
        for v in ana.ok("GET", "/v1/visits")
        for a in v["asset_ids"]
        if ana.ok("GET", f"/v1/assets/{a}")["kind"] == "cable_gateway"
    )
    end = datetime(2025, 3, 31, tzinfo=UTC)
    start = end - timedelta(days=30)
    minutes = int((end - start).total_seconds() // 60)
    readings = [
        {
            "asset_id": asset,
            "metric": "latency",
            "ts": (start + timedelta(minutes=i)).isoformat(),
            "value": 10.0 + (i % 60) / 10,
        }
        for i in range(minutes)
    ]
    assert office.ok("POST", "/v1/telemetry", json={"readings": readings})["accepted"] == minutes
    query = {"metric": "latency", "start": start.isoformat(), "end": end.isoformat()}
    series = ana.ok("GET", f"/v1/telemetry/{asset}", params=query)
    assert 0 < len(series["t"]) <= 1000 and series["bucket_seconds"] >= 2592
    assert sum(series["count"]) == minutes
    assert min(series["min"]) == 10.0 and max(series["max"]) == 15.9
    assert all(
        lo <= m <= hi
        for lo, m, hi in zip(series["min"], series["mean"], series["max"], strict=True)
    )
    small = ana.ok("GET", f"/v1/telemetry/{asset}", params={**query, "max_points": 50})
    assert len(small["t"]) <= 50 and sum(small["count"]) == minutes
    hour = {
        "metric": "latency",
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=30)).isoformat(),
    }
    raw = ana.ok("GET", f"/v1/telemetry/{asset}", params=hour)
    assert raw["bucket_seconds"] == 0 and len(raw["t"]) == 31
    windows = ana.ok(
        "POST",
        "/v1/telemetry/windows",
        json={
            "asset_ids": [asset],
            "start": start.isoformat(),
            "end": end.isoformat(),
            "bucket_seconds": 60,
        },
    )
    latency = next(s for s in windows["series"] if s["metric"] == "latency")
    assert len(latency["t"]) <= 5000 and sum(latency["count"]) == minutes
    assert {s["metric"] for s in windows["series"]} == {
        "snr",
        "uncorrectable_codewords",
        "latency",
        "throughput",
    }


def test_fast_ingestion_stores_exact_times_and_an_exact_rollup(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    office = login(fresh_office, "office")
    hour = datetime(2025, 6, 11, 9, tzinfo=UTC)
    zone = timezone(timedelta(hours=2))
    values = [1.25, -3.5, 7.0, 2.5, 0.125, 9.75]
    times = [hour + timedelta(minutes=7 * i, microseconds=i * 1001) for i in range(len(values))]
    readings = [
        {
            "asset_id": "asset-001",
            "metric": "vibration",
            "ts": (
                t.isoformat().replace("+00:00", "Z") if i % 2 else t.astimezone(zone).isoformat()
            ),
            "value": v,
        }
        for i, (t, v) in enumerate(zip(times, values, strict=True))
    ]
    # Two batches into the same hour: the second adds to the rollup the first wrote.
    for batch in (readings[:3], readings[3:]):
        result = office.ok("POST", "/v1/telemetry", json={"readings": batch})
        assert result == {"accepted": len(batch), "rejected": []}
    window = {
        "asset_ids": ["asset-001"],
        "start": hour.isoformat(),
        "end": (hour + timedelta(minutes=59)).isoformat(),
    }
    raw = office.ok("POST", "/v1/telemetry/windows", json={**window, "bucket_seconds": 0})
    vibration = next(s for s in raw["series"] if s["metric"] == "vibration")
    assert vibration["t"] == [t.timestamp() for t in times]
    assert vibration["mean"] == values
    hourly = office.ok("POST", "/v1/telemetry/windows", json={**window, "bucket_seconds": 3600})
    bucket = next(s for s in hourly["series"] if s["metric"] == "vibration")
    assert bucket["t"] == [hour.timestamp()] and bucket["count"] == [len(values)]
    assert bucket["min"] == [min(values)] and bucket["max"] == [max(values)]
    assert bucket["mean"] == [sum(values) / len(values)]
    # An impossible date sends the batch down the per-reading path: only it is refused.
    again = [{**readings[0], "value": 5.0}, {**readings[1], "ts": "2025-02-30T10:00:00Z"}]
    result = office.ok("POST", "/v1/telemetry", json={"readings": again})
    assert result["accepted"] == 1 and [r["index"] for r in result["rejected"]] == [1]
