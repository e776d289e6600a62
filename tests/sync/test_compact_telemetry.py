"""Compact telemetry (#17): columns on the wire and chunk rows in the laptop's store."""

from __future__ import annotations

import sqlite3
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import requests

import concierge_office.telemetry as office_telemetry
from concierge.protocol import columns, schemas
from concierge.store import Store, telemetry
from concierge.store.schema import MIGRATIONS, V1, V2
from concierge.store.telemetry import COARSE_BUCKET, DETAIL_BUCKET
from tests.sync.conftest import Laptop, Office


def test_float_columns_narrow_only_where_a_chart_cannot_tell() -> None:
    rng = np.random.default_rng(7)
    gauge = 60.0 + np.cumsum(rng.normal(0, 0.3, 2000))
    counter = 1_500_000.0 + np.cumsum(rng.uniform(0.0, 0.01, 2000))  # tiny steps, big total
    assert columns.float_codec(gauge) == columns.F4
    back = columns.decode(columns.encode(gauge, columns.F4), columns.F4)
    assert np.max(np.abs(back - gauge)) <= columns.FLOAT32_TOLERANCE * np.ptp(gauge)
    assert columns.float_codec(counter) == columns.F8  # float32 would flatten its steps
    assert np.array_equal(columns.decode(columns.encode(counter, columns.F8), columns.F8), counter)
    trimmed = columns.encode(gauge, columns.F4)  # bits below the tolerance cleared: smaller
    assert len(trimmed) < 0.8 * len(zlib.compress(gauge.astype("<f4").tobytes()))


def test_the_bits_computed_for_the_codec_pack_as_the_column_alone_would() -> None:
    """``narrowed`` hands its float32 bits to ``pack`` (computed once): the same bytes as
    ``pack`` computing them, and None exactly where ``float_codec`` says F8."""
    rng = np.random.default_rng(11)
    gauge = 60.0 + np.cumsum(rng.normal(0, 0.3, 2000))
    counter = 1_500_000.0 + np.cumsum(rng.uniform(0.0, 0.01, 2000))
    flat, empty, gap = np.full(50, 4.0), np.zeros(0), np.array([1.0, np.nan, 2.0])
    for values in (gauge, counter, flat, empty, gap):
        bits = columns.narrowed(values)
        assert (bits is not None) == (columns.float_codec(values) == columns.F4)
        if bits is not None:
            assert columns.pack(values, columns.F4, bits=bits) == columns.pack(values, columns.F4)


def test_timestamps_round_trip_exactly() -> None:
    regular = 1.7e9 + np.arange(0, 86_400, 300, dtype=np.float64)
    odd = regular + 0.0001234  # not whole milliseconds: sent as float64
    assert columns.time_codec(regular) == columns.MS and columns.time_codec(odd) == columns.F8
    for t in (regular, odd):
        codec = columns.time_codec(t)
        assert np.array_equal(columns.decode(columns.encode(t, codec), codec), t)
    assert len(columns.encode(regular, columns.MS)) < 100  # deltas of a regular series: ~nothing


def test_damaged_message_is_a_clear_error() -> None:
    good = columns.encode_message(
        [{"asset_id": "a", "metric": "m", "start": "s", "end": "e", "bucket_seconds": 0,
          "t": [1.0, 2.0], "mean": [1.0, 2.0], "min": [1.0, 2.0], "max": [1.0, 2.0],
          "count": [1, 1]}], [],
    )
    assert columns.decode_message(good).series[0].t.tolist() == [1.0, 2.0]
    for bad in (good[:-3], b"JSON" + good[4:], good[:8] + b"[" + good[9:], good + b"x"):
        with pytest.raises(columns.ColumnsError):
            columns.decode_message(bad)


def _request(asset_ids: list[str], bucket: int) -> schemas.TelemetryWindowRequest:
    now = float(int(time.time()))
    start, end = now - 3 * 86_400, now
    return schemas.TelemetryWindowRequest(
        asset_ids=asset_ids, start=datetime.fromtimestamp(start, UTC),
        end=datetime.fromtimestamp(end, UTC), bucket_seconds=bucket,
    )


def _json_windows(laptop: Laptop, request: schemas.TelemetryWindowRequest) -> dict[str, dict]:
    """What a client from before compact columns gets: JSON (it sends no such Accept)."""
    token = laptop.account.access_token()
    reply = requests.post(
        f"{laptop.client.base_url}{schemas.API_PREFIX}/telemetry/windows",
        data=request.model_dump_json(), timeout=30,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/json"
    parsed = schemas.TelemetryWindows.model_validate_json(reply.content)
    return {f"{s.asset_id}/{s.metric}": s.model_dump() for s in parsed.series}


@pytest.mark.parametrize("bucket", [DETAIL_BUCKET, COARSE_BUCKET])
def test_compact_windows_carry_what_the_json_windows_carry(
    laptop: Laptop, office: Office, bucket: int
) -> None:
    assert laptop.sync().ok
    assets = laptop.store.replication.telemetry_assets()[:3]
    request = _request(assets, bucket)
    compact = laptop.client.telemetry_windows(request)
    plain = _json_windows(laptop, request)
    assert len(compact.series) == len(plain) > 0
    for s in compact.series:
        expected = plain[f"{s.asset_id}/{s.metric}"]
        assert s.t.tolist() == expected["t"]
        for name in ("mean", "min", "max"):
            want = np.asarray(expected[name])
            spread = float(np.ptp(want)) if want.size else 0.0
            got = getattr(s, name)
            assert np.max(np.abs(got - want), initial=0.0) <= columns.FLOAT32_TOLERANCE * spread


def test_the_compact_reply_is_smaller_than_the_json(laptop: Laptop, office: Office) -> None:
    assert laptop.sync().ok
    request = _request(laptop.store.replication.telemetry_assets()[:5], DETAIL_BUCKET)
    token = laptop.account.access_token()
    sizes = {}
    for accept in (columns.MEDIA_TYPE, "application/json"):
        reply = requests.post(
            f"{laptop.client.base_url}{schemas.API_PREFIX}/telemetry/windows",
            data=request.model_dump_json(), timeout=30,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                     "Accept": accept, "Accept-Encoding": "identity"},
        )
        assert reply.headers["content-type"] == accept
        sizes[accept] = len(reply.content)
    assert sizes[columns.MEDIA_TYPE] * 4 < sizes["application/json"]


def test_a_new_client_syncs_against_an_office_without_compact_columns(
    laptop: Laptop, office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(office_telemetry, "_wants_columns", lambda request: False)
    result = laptop.sync()
    assert result.ok, result.error
    asset = laptop.store.replication.telemetry_assets()[0]
    metric = laptop.store.metrics_for_asset(asset)[0]
    assert len(laptop.store.telemetry(asset, metric)) > 24


def test_store_keeps_one_row_per_series_chunk_and_reads_back_what_came(
    laptop: Laptop, office: Office
) -> None:
    assert laptop.sync().ok
    store = laptop.store
    asset = store.replication.telemetry_assets()[0]
    request = _request([asset], DETAIL_BUCKET)
    plain = _json_windows(laptop, request)
    with sqlite3.connect(store.path) as db:
        rows, points = db.execute(
            "SELECT COUNT(*), SUM(points) FROM telemetry_chunks").fetchone()
    assert points > 10 * rows  # many points per row, not one row per point
    metric = store.metrics_for_asset(asset)[0]
    expected = plain[f"{asset}/{metric}"]
    window = store.telemetry(asset, metric)
    shown = window.t >= expected["t"][0]
    assert window.t[shown].tolist() == expected["t"]
    # Off by at most 1/10,000 of the spread of the series sent, then of the chunk stored:
    # together well below 1/1,000 of the range the chart shows (a fraction of a pixel).
    shown_range = float(np.ptp(window.mean))
    error = np.max(np.abs(window.mean[shown] - expected["mean"]))
    assert error <= 2 * columns.FLOAT32_TOLERANCE * shown_range


def _old_store(path: Path) -> dict[tuple[str, str, int], list[np.ndarray]]:
    """A store file as schema 2 wrote it, with telemetry in the one-row-per-series layout."""
    rng = np.random.default_rng(3)
    written = {}
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(V1 + V2 + "PRAGMA user_version = 2;")
    db.execute("INSERT INTO meta VALUES ('cursor', 'abc')")
    for asset in ("a1", "a2"):
        for metric, base in (("vibration_rms", 2.0), ("operating_hours", 24_512.0)):
            for bucket, step, n in ((900, 900, 14 * 96), (0, 60, 1440)):
                t = 1.76e9 + np.arange(n) * step + rng.uniform(0, 1, n).round(3)
                mean = base + np.cumsum(rng.normal(0, 0.01, n))
                cols = [t, mean, mean - rng.uniform(0, 1, n), mean + rng.uniform(0, 1, n)]
                if bucket == 0:
                    cols = [t, mean, mean, mean]
                db.execute("INSERT INTO telemetry VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (asset, metric, bucket, *(c.astype("<f8").tobytes() for c in cols)))
                written[(asset, metric, bucket)] = cols
    db.execute("INSERT INTO telemetry_fetched VALUES ('a1', 900, 1.77e9)")
    db.close()
    return written


def test_an_old_store_migrates_in_place_with_nothing_lost(tmp_path: Path) -> None:
    path = tmp_path / "concierge.sqlite3"
    written = _old_store(path)
    with Store.open(path, tmp_path / "att") as store:
        assert store.replication.cursor() == "abc"
        assert store.replication.telemetry_fetched_until(900) == {"a1": 1.77e9}
        with sqlite3.connect(path) as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
            chunks = db.execute("SELECT COUNT(*), SUM(points) FROM telemetry_chunks").fetchone()
        assert version == len(MIGRATIONS) and "telemetry" not in tables
        assert chunks[1] == sum(len(c[0]) for c in written.values()) and chunks[0] > 8
        with sqlite3.connect(path) as conn:  # the exact stored columns, per resolution
            for (asset, metric, bucket), cols in written.items():
                got = telemetry.read(conn, asset, metric, bucket)
                for name, want in zip(("t", "mean", "min", "max"), cols, strict=True):
                    assert np.array_equal(getattr(got, name), want), (asset, metric, name)
