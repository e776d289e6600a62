# SPDX-License-Identifier: Apache-2.0
"""Telemetry: per-reading validated ingestion and downsampled (min/mean/max/count) reads."""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from datetime import datetime
from typing import Annotated, Any

import msgspec
import numpy as np
import numpy.typing as npt
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection, select
from starlette.concurrency import run_in_threadpool

from concierge.domain import METRIC_CATALOGUE, AssetKind
from concierge.protocol import columns, schemas
from concierge_office import db
from concierge_office.auth import CurrentUser, IngestUser
from concierge_office.changes import visible_among
from concierge_office.db import utc
from concierge_office.errors import (
    ERROR_RESPONSES,
    ApiError,
    StrictJSONRoute,
    error_response,
    not_found,
    strict_json_loads,
    validation_details,
)
from concierge_office.fleet import IdPath, can_see
from concierge_office.series import (
    EARLIEST,
    Columns,
    FloatArray,
    IntArray,
    Reading,
    ReadingColumns,
    fit_bucket,
    max_series_count,
    read_series,
    store_columns,
    store_readings,
)
from concierge_office.state import DAY, AppState, state_of

router = APIRouter(
    prefix="/v1/telemetry",
    tags=["telemetry"],
    route_class=StrictJSONRoute,
    responses=ERROR_RESPONSES,
)

DEFAULT_MAX_POINTS = 1000
_readings = TypeAdapter(list[schemas.Reading])
_datetime = TypeAdapter(datetime)
_METRICS = {kind.value: {s.key for s in specs} for kind, specs in METRIC_CATALOGUE.items()}


def _epoch_range(start: datetime, end: datetime) -> tuple[float, float]:
    try:
        low, high = start.timestamp(), end.timestamp()
    except (OverflowError, OSError, ValueError) as exc:
        raise ApiError(422, "invalid_range", "start or end is out of range.") from exc
    if low >= high:
        raise ApiError(422, "invalid_range", "start must be before end.")
    return low, high


def _series(
    asset_id: str, metric: str, span: tuple[datetime, datetime], bucket: int, cols: Columns
) -> schemas.TelemetrySeries:
    return schemas.TelemetrySeries(
        asset_id=asset_id,
        metric=metric,
        start=span[0],
        end=span[1],
        bucket_seconds=bucket,
        t=cols.t,
        min=cols.min,
        mean=cols.mean,
        max=cols.max,
        count=cols.count,
    )


def _asset_kind(conn: Connection, asset_id: str) -> str | None:
    return conn.execute(
        select(db.assets.c.kind).where(db.assets.c.id == asset_id)
    ).scalar_one_or_none()


@router.get("/{asset_id}", response_model=schemas.TelemetrySeries)
def query(
    asset_id: IdPath,
    user: CurrentUser,
    request: Request,
    *,
    metric: Annotated[str, Query(min_length=1, max_length=64)],
    start: Annotated[schemas.Timestamp | None, Query()] = None,
    end: Annotated[schemas.Timestamp | None, Query()] = None,
    max_points: Annotated[int, Query(ge=2, le=schemas.MAX_QUERY_POINTS)] = DEFAULT_MAX_POINTS,
) -> schemas.TelemetrySeries:
    state = state_of(request)
    end = end or utc(state.clock.now())
    start = start or utc(end.timestamp() - 7 * DAY)
    low, high = _epoch_range(start, end)
    with state.db.read() as conn:
        kind = _asset_kind(conn, asset_id)
        if kind is None or not can_see(conn, user, "asset", asset_id):
            raise not_found("asset", asset_id)
        if metric not in _METRICS[kind]:
            raise ApiError(
                422, "unknown_metric", f"Assets of kind {kind} have no metric {metric!r}."
            )
        raw = max_series_count(conn, [asset_id], low, high, metric=metric) <= max_points
        bucket = 0 if raw else fit_bucket(low, high, max_points)
        cols = read_series(
            state.db, conn, [asset_id], start=low, end=high, bucket=bucket, metric=metric
        )
    return _series(asset_id, metric, (start, end), bucket, cols.get((asset_id, metric), Columns()))


@router.post("/windows", response_model=schemas.TelemetryWindows)
def windows(body: schemas.TelemetryWindowRequest, user: CurrentUser, request: Request) -> Any:
    """Every metric of each requested asset the caller sees; the others are ``unavailable``.

    A constant number of queries per request (kinds, visibility, one read of the series);
    the response is built as JSON directly from the columns.
    """
    state = state_of(request)
    low, high = _epoch_range(body.start, body.end)
    asset_ids = list(dict.fromkeys(body.asset_ids))
    with state.db.read() as conn:
        kinds: dict[str, str] = dict(
            conn.execute(
                select(db.assets.c.id, db.assets.c.kind).where(db.assets.c.id.in_(asset_ids))
            ).all()
        )
        if not user.is_admin and kinds:
            seen = visible_among(conn, user.id, {("asset", a) for a in kinds})
            kinds = {a: k for a, k in kinds.items() if ("asset", a) in seen}
        visible = [a for a in asset_ids if a in kinds]
        metrics = {m for a in visible for m in _METRICS[kinds[a]]}
        cap = schemas.MAX_QUERY_POINTS
        if body.bucket_seconds == 0:
            raw = not visible or max_series_count(conn, visible, low, high, metrics=metrics) <= cap
            bucket = 0 if raw else fit_bucket(low, high, cap)
        else:
            bucket = fit_bucket(low, high, cap, at_least=body.bucket_seconds)
        data = (
            read_series(
                state.db, conn, visible, start=low, end=high, bucket=bucket, metrics=metrics
            )
            if visible
            else {}
        )
    start, end = (
        _datetime.dump_python(body.start, mode="json"),
        _datetime.dump_python(body.end, mode="json"),
    )
    empty = Columns()
    series = []
    for asset_id in visible:
        for spec in METRIC_CATALOGUE[AssetKind(kinds[asset_id])]:
            cols = data.get((asset_id, spec.key), empty)
            series.append(
                {
                    "asset_id": asset_id,
                    "metric": spec.key,
                    "start": start,
                    "end": end,
                    "bucket_seconds": bucket,
                    "t": cols.t,
                    "min": cols.min,
                    "mean": cols.mean,
                    "max": cols.max,
                    "count": cols.count,
                }
            )
    unavailable = [a for a in asset_ids if a not in kinds]
    if _wants_columns(request):
        compact = columns.encode_message(series, unavailable)
        return Response(compact, media_type=columns.MEDIA_TYPE, headers={"Vary": "Accept"})
    payload = {"series": series, "unavailable": unavailable}
    return Response(
        json.dumps(payload, separators=(",", ":")), media_type="application/json",
        headers={"Vary": "Accept"},
    )


def _wants_columns(request: Request) -> bool:
    """Compact columns (protocol version 1) if the client lists them in ``Accept``;
    JSON otherwise, so clients from before them keep working."""
    accept = request.headers.get("accept", "")
    return any(
        part.split(";")[0].strip().lower() == columns.MEDIA_TYPE for part in accept.split(",")
    )


def _check_readings(
    raw: list[dict[str, Any]],
) -> tuple[list[schemas.Reading | None], dict[int, list[schemas.ErrorDetail]]]:
    """Structural validation, one reading at a time (valid ones are kept)."""
    errors: dict[int, list[schemas.ErrorDetail]] = defaultdict(list)
    for index, item in enumerate(raw):
        value = item.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors[index].append(
                schemas.ErrorDetail(
                    loc=["value"], message="value must be a number", code="float_type"
                )
            )
    try:
        parsed: list[schemas.Reading | None] = list(_readings.validate_python(raw))
    except ValidationError as exc:
        for err in exc.errors():
            position, *loc = err["loc"]
            errors[int(position)].extend(validation_details([{**err, "loc": loc}]))
        good = [r for i, r in enumerate(raw) if i not in errors]
        checked = iter(_readings.validate_python(good))
        parsed = [None if i in errors else next(checked) for i in range(len(raw))]
    return [None if i in errors else r for i, r in enumerate(parsed)], errors


class _FastReading(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    """A reading as the fast path decodes it: JSON numbers only; strings are checked in bulk."""

    asset_id: str
    metric: str
    ts: str
    value: float


class _FastBatch(msgspec.Struct, forbid_unknown_fields=True):
    readings: Annotated[list[_FastReading], msgspec.Meta(max_length=schemas.MAX_INGEST_READINGS)]


_decode_fast = msgspec.json.Decoder(_FastBatch).decode
_asset_id = TypeAdapter(schemas.Id)
_ingest_request = TypeAdapter(schemas.IngestRequest)


@router.post(
    "",
    response_model=schemas.IngestResponse,
    responses={422: {"model": schemas.ErrorResponse, "description": "No reading was valid."}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schemas.IngestRequest.model_json_schema()}},
        }
    },
)
async def ingest(user: IngestUser, request: Request) -> Any:
    body = await request.body()
    return await run_in_threadpool(_ingest, state_of(request), body)


def _ingest(state: AppState, body: bytes) -> Any:
    """All-valid batches go from bytes to columns in bulk; otherwise reading by reading."""
    readings = _parse_fast(body)
    if readings is not None:
        with state.db.write() as conn:
            if _all_known(conn, readings):
                store_columns(state.db, conn, readings)
                return JSONResponse({"accepted": len(readings.asset_ids), "rejected": []})
    return _ingest_checked(state, _parse_request(body))


def _parse_fast(body: bytes) -> ReadingColumns | None:
    """The batch as columns if it is well-formed and every id, time and value is valid.

    Anything else (even what the per-reading path would accept) is None: that path decides.
    """
    try:
        batch = _decode_fast(body).readings  # refuses NaN, inf and out-of-range numbers
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None
    ts = epoch_seconds([r.ts for r in batch])
    values = np.array([r.value for r in batch], np.float64)
    if ts is None or not np.isfinite(values).all():
        return None
    if batch and not (ts.min() >= EARLIEST and ts.max() <= time.time() + DAY):
        return None
    readings = ReadingColumns([r.asset_id for r in batch], [r.metric for r in batch], ts, values)
    try:
        for asset_id in {asset_id for asset_id, _ in readings.series[0]}:
            _asset_id.validate_python(asset_id)
    except ValidationError:
        return None
    return readings


def _all_known(conn: Connection, readings: ReadingColumns) -> bool:
    """Whether every reading's asset exists and has its metric."""
    pairs = readings.series[0]
    assets = db.assets
    ids = {asset_id for asset_id, _ in pairs}
    kinds = conn.execute(select(assets.c.id, assets.c.kind).where(assets.c.id.in_(ids))).all()
    allowed = {(asset_id, metric) for asset_id, kind in kinds for metric in _METRICS[kind]}
    return allowed.issuperset(pairs)


_LONGEST_STAMP = len("YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM")
_SEPARATORS = {4: "-", 7: "-", 10: "T", 13: ":", 16: ":"}
_ZERO = np.uint8(ord("0"))


def epoch_seconds(stamps: list[str]) -> FloatArray | None:
    """Epoch seconds of ``YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±HH:MM)`` timestamps, parsed in bulk.

    Equal to ``datetime.fromisoformat(s).timestamp()`` (whole microseconds divided by
    10**6).  None if any stamp has another form or an impossible date, time or offset.
    """
    n = len(stamps)
    if n == 0:
        return np.empty(0)
    size = np.fromiter(map(len, stamps), np.int64, n)
    if size.min() < len("YYYY-MM-DDTHH:MM:SSZ") or size.max() > _LONGEST_STAMP:
        return None
    try:  # padded, so that reading past the last stamp stays in the buffer
        chars = np.frombuffer(("".join(stamps) + " " * _LONGEST_STAMP).encode("ascii"), np.uint8)
    except UnicodeEncodeError:
        return None
    end = np.cumsum(size)
    start = end - size

    def at(offset: int) -> npt.NDArray[np.uint8]:  # each stamp's character (from its end if < 0)
        return chars[(start if offset >= 0 else end) + offset]

    def number(*offsets: int) -> IntArray:  # the digits at these offsets, or -1 if one is none
        value, ok = np.zeros(n, np.int64), np.ones(n, bool)
        for offset in offsets:
            digit = at(offset) - _ZERO  # wraps around below "0": a digit is < 10
            ok &= digit < 10
            value = value * 10 + digit
        return np.where(ok, value, -1)

    zulu, sign = at(-1) == ord("Z"), at(-6)
    fraction = size - 19 - np.where(zulu, 1, 6)  # "." and 1 to 6 digits, or nothing
    ok = (fraction == 0) | (fraction >= 2) & (fraction <= 7) & (at(19) == ord("."))
    micro = np.zeros(n, np.int64)
    for offset in range(20, 26):
        digit, inside = at(offset) - _ZERO, offset < 19 + fraction
        ok &= ~inside | (digit < 10)
        micro = micro * 10 + np.where(inside, digit, 0)
    for offset, char in _SEPARATORS.items():
        ok &= at(offset) == ord(char)
    year, month, day = number(0, 1, 2, 3), number(5, 6), number(8, 9)
    hour, minute, second = number(11, 12), number(14, 15), number(17, 18)
    zone_hour, zone_minute = number(-5, -4), number(-2, -1)
    months = (year - 1970) * 12 + month - 1
    first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    length = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - first
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= length)
    ok &= (hour >= 0) & (hour <= 23) & (minute >= 0) & (minute <= 59)
    ok &= (second >= 0) & (second <= 59)
    zone_ok = ((sign == ord("+")) | (sign == ord("-"))) & (at(-3) == ord(":"))
    zone_ok &= (zone_hour >= 0) & (zone_hour <= 23) & (zone_minute >= 0) & (zone_minute <= 59)
    if not (ok & (zulu | zone_ok)).all():
        return None
    zone = (zone_hour * 3600 + zone_minute * 60) * np.where(sign == ord("-"), -1, 1)
    seconds = (first + day - 1) * 86_400 + hour * 3600 + minute * 60 + second
    micros = (seconds - np.where(zulu, 0, zone)) * 1_000_000 + micro
    # Correctly rounded, as Python's int division, while micros is exact as a float64
    # (years 1685-2255); beyond, int64 -> float64 would round first: divide as Python does.
    seconds_since_epoch: FloatArray = micros / 1e6
    far = np.abs(micros) >= 2**53
    if far.any():
        seconds_since_epoch[far] = [int(m) / 10**6 for m in micros[far]]
    return seconds_since_epoch


def _parse_request(body: bytes) -> schemas.IngestRequest:
    """The request as FastAPI would parse it (strict JSON, then the model)."""
    try:
        data = strict_json_loads(body)
    except json.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"Request body is not valid JSON: {exc}.") from exc
    try:
        return _ingest_request.validate_python(data)
    except ValidationError as exc:
        details = validation_details([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])
        raise ApiError(422, "validation_error", "The request is not valid.", details) from exc


def _ingest_checked(state: AppState, body: schemas.IngestRequest) -> Any:
    parsed, errors = _check_readings(body.readings)
    latest = time.time() + DAY
    rows: list[Reading] = []
    with state.db.write() as conn:
        ids = {r.asset_id for r in parsed if r is not None}
        kinds = dict(
            conn.execute(
                select(db.assets.c.id, db.assets.c.kind).where(db.assets.c.id.in_(ids))
            ).all()
        )
        for index, reading in enumerate(parsed):
            if reading is None:
                continue
            problem = _semantic_problem(reading, kinds, latest)
            if problem is not None:
                errors[index].append(problem)
                continue
            rows.append((reading.asset_id, reading.metric, reading.ts.timestamp(), reading.value))
        store_readings(state.db, conn, rows)
    rejected = [schemas.ReadingError(index=i, errors=errs) for i, errs in sorted(errors.items())]
    if body.readings and not rows:
        details = [
            schemas.ErrorDetail(loc=["readings", r.index, *e.loc], message=e.message, code=e.code)
            for r in rejected
            for e in r.errors
        ]
        return error_response(422, "no_valid_readings", "None of the readings is valid.", details)
    return JSONResponse(
        schemas.IngestResponse(accepted=len(rows), rejected=rejected).model_dump(mode="json")
    )


def _semantic_problem(
    reading: schemas.Reading, kinds: dict[str, str], latest: float
) -> schemas.ErrorDetail | None:
    kind = kinds.get(reading.asset_id)
    if kind is None:
        return schemas.ErrorDetail(
            loc=["asset_id"], message=f"unknown asset {reading.asset_id!r}", code="unknown_asset"
        )
    if reading.metric not in _METRICS[kind]:
        return schemas.ErrorDetail(
            loc=["metric"],
            message=f"assets of kind {kind} have no metric {reading.metric!r}",
            code="unknown_metric",
        )
    try:
        ts = reading.ts.timestamp()
    except (OverflowError, OSError, ValueError):
        ts = -math.inf
    if not EARLIEST <= ts <= latest:
        return schemas.ErrorDetail(
            loc=["ts"],
            message="timestamp must be after 2000 and at most a day ahead",
            code="ts_out_of_range",
        )
    return None
