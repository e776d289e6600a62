"""Telemetry: per-reading validated ingestion and downsampled (min/mean/max/count) reads."""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from datetime import datetime
from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, ConfigDict, Field, StrictFloat, TypeAdapter, ValidationError
from sqlalchemy import Connection, select
from starlette.concurrency import run_in_threadpool
from typing_extensions import TypedDict

from concierge.api import schemas
from concierge.backoffice import db
from concierge.backoffice.auth import CurrentUser, IngestUser
from concierge.backoffice.changes import visible_among
from concierge.backoffice.db import utc
from concierge.backoffice.errors import (
    ERROR_RESPONSES,
    ApiError,
    StrictJSONRoute,
    error_response,
    not_found,
    strict_json_loads,
    validation_details,
)
from concierge.backoffice.fleet import IdPath, can_see
from concierge.backoffice.series import (
    EARLIEST,
    Columns,
    Reading,
    fit_bucket,
    max_series_count,
    read_series,
    store_readings,
)
from concierge.backoffice.state import DAY, AppState, state_of
from concierge.domain import METRIC_CATALOGUE, AssetKind

router = APIRouter(
    prefix="/v1/telemetry",
    tags=["telemetry"],
    route_class=StrictJSONRoute,
    responses=ERROR_RESPONSES,
)

DEFAULT_MAX_POINTS = 1000
_readings = TypeAdapter(list[schemas.Reading])
_datetime = TypeAdapter(datetime)
FloatArray = npt.NDArray[np.float64]
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
    start: Annotated[AwareDatetime | None, Query()] = None,
    end: Annotated[AwareDatetime | None, Query()] = None,
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
    payload = {"series": series, "unavailable": [a for a in asset_ids if a not in kinds]}
    return Response(json.dumps(payload, separators=(",", ":")), media_type="application/json")


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


# The fast path's timestamps: ISO 8601 with seconds and an offset, which both pydantic and
# the bulk parser below read the same way; anything else takes the per-reading path.
_ISO_TS = (
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
    r"(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)


class _FastReading(TypedDict):
    """A reading as the fast path validates it (in pydantic's core, without a model)."""

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # type: ignore[misc]
    asset_id: schemas.Id
    metric: str
    ts: Annotated[str, Field(pattern=_ISO_TS)]
    value: StrictFloat  # JSON numbers only, like the per-reading check


class _FastBatch(TypedDict):
    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]
    readings: Annotated[list[_FastReading], Field(max_length=schemas.MAX_INGEST_READINGS)]


_fast_batch = TypeAdapter(_FastBatch)
_ingest_request = TypeAdapter(schemas.IngestRequest)
# Tokens the fast path's parser reads (and a repeated key could hide): the strict parser decides.
_NON_FINITE = (b"NaN", b"Infinity")


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
    """All-valid batches go straight from bytes to rows; otherwise reading by reading."""
    batch = _parse_fast(body)
    if batch is not None:
        with state.db.write() as conn:
            rows = _valid_rows(conn, batch)
            if rows is not None:
                store_readings(state.db, conn, rows)
                return JSONResponse({"accepted": len(rows), "rejected": []})
    return _ingest_checked(state, _parse_request(body))


def _parse_fast(body: bytes) -> list[_FastReading] | None:
    # Every field is typed, so an overflowing number fails validation (finite_number).
    if any(token in body for token in _NON_FINITE):
        return None
    try:
        return _fast_batch.validate_json(body)["readings"]
    except ValidationError:
        return None


def epoch_seconds(stamps: list[str]) -> FloatArray:
    """Epoch seconds of ISO 8601 timestamps (matching ``_ISO_TS``), parsed in bulk.

    UTC ones ("Z", "+00:00": what clients send) go through numpy's datetime64 parser in one
    call; a batch with other offsets is parsed one by one.  Equal to ``datetime.timestamp()``
    (whole microseconds divided by 10**6).  ValueError for an impossible date.
    """
    naive = [s[:-6] if s.endswith("+00:00") else s[:-1] if s[-1] == "Z" else "" for s in stamps]
    if all(naive):
        micros = np.array(naive, dtype="datetime64[us]").astype(np.int64)
        return micros / 1e6
    return np.fromiter(
        (datetime.fromisoformat(s).timestamp() for s in stamps), np.float64, len(stamps)
    )


def _valid_rows(conn: Connection, batch: list[_FastReading]) -> list[Reading] | None:
    """The batch as rows if every reading passes the semantic checks, else None."""
    if not batch:
        return []
    asset_ids = [r["asset_id"] for r in batch]
    metrics = [r["metric"] for r in batch]
    kinds = conn.execute(
        select(db.assets.c.id, db.assets.c.kind).where(db.assets.c.id.in_(set(asset_ids)))
    ).all()
    allowed = {(asset_id, metric) for asset_id, kind in kinds for metric in _METRICS[kind]}
    if not set(zip(asset_ids, metrics, strict=True)) <= allowed:
        return None
    try:
        stamps = epoch_seconds([r["ts"] for r in batch])
    except (OverflowError, OSError, ValueError):
        return None
    if not (stamps.min() >= EARLIEST and stamps.max() <= time.time() + DAY):
        return None
    values = [r["value"] for r in batch]
    return list(zip(asset_ids, metrics, stamps.tolist(), values, strict=True))


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
