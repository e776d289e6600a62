# SPDX-License-Identifier: Apache-2.0
"""One sync cycle: push the outbox, pull changes, refresh telemetry windows."""

from __future__ import annotations

import logging
import math
import random
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic_core import PydanticSerializationError

from concierge.api.client import ApiClient
from concierge.api.errors import (
    ApiError,
    InvalidRequestError,
    MalformedResponseError,
    OfflineError,
    ResetRequiredError,
    ServerError,
)
from concierge.protocol import schemas
from concierge.protocol.columns import WindowColumns
from concierge.store import OutboxOp, Store
from concierge.store.clock import utcnow
from concierge.store.models import NearPull
from concierge.store.telemetry import RESOLUTIONS
from concierge.sync.checks import check_page, check_results
from concierge.sync.failures import SyncFailure, failure_of
from concierge.sync.lock import ProcessLock
from concierge.sync.models import (
    ANOTHER_SYNC_RUNNING,
    Phase,
    SyncEvents,
    SyncOptions,
    SyncProgress,
    SyncResult,
)

log = logging.getLogger(__name__)


@dataclass
class _Tally:
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    rejected: int = 0
    set_aside: int = 0
    urgent: list[str] = field(default_factory=list)


LOCK_FILE = "sync.lock"


class SyncEngine:
    """Runs sync cycles; ``lock`` makes sure two of this process never overlap, and a
    file lock in the store's folder that two processes never sync the same data at once."""

    def __init__(
        self,
        store: Store,
        client: ApiClient,
        options: SyncOptions | None = None,
        events: SyncEvents | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.options = options or SyncOptions()
        self.events = events or SyncEvents()
        self.lock = threading.Lock()
        self._failures = 0  # failed runs in a row
        self.process_lock = ProcessLock(store.path.parent / LOCK_FILE)

    def run_once(self) -> SyncResult:
        """Push, pull, telemetry; blocks while another cycle of this process runs.

        If another process is syncing the same data, returns at once a ``busy`` result
        (ok, nothing done): that process's cycle covers the changes.
        """
        with self.lock:
            self.events.started.emit(None)
            with self.process_lock as held:
                if held:
                    result = self._cycle()
                else:
                    log.info("sync skipped: %s", ANOTHER_SYNC_RUNNING)
                    result = SyncResult(
                        ok=True, error=None, pushed=0, pulled=0, conflicts=0, rejected=0,
                        new_urgent_visit_ids=[], finished_at=utcnow(), busy=True,
                    )
            self.events.finished.emit(result)
            return result

    def _cycle(self) -> SyncResult:
        tally = _Tally()
        error, offline, retry_at = None, False, None
        failure: SyncFailure | None = None
        self.store.replication.record_attempt()
        try:
            with self.client.deadline(self.options.deadline):
                self._push(tally)
                near, plain = self._pull_near(tally)
                if near is not None:  # a first sync: today's work is on the board first
                    self._telemetry("near", near.end)
                self._pull(tally, near, plain)
                self._telemetry("rest" if near is not None else "all")
        except ApiError as exc:
            offline = isinstance(exc, OfflineError)
            error = exc.message
            if isinstance(exc, OfflineError | ServerError):
                retry_at = self._retry_at(exc.retry_after)
                error = f"{error} Sync will retry at {retry_at.astimezone():%H:%M}."
            failure = failure_of(exc, retry_at)
            log.warning("sync stopped: %s", error)
        except Exception as exc:
            log.exception("sync failed")
            error = f"Sync failed unexpectedly ({type(exc).__name__}); details are in the log."
            failure = failure_of(exc)
        self._failures = 0 if error is None else self._failures + 1
        self.store.replication.record_outcome(error, None if failure is None
                                              else failure.to_json())
        return SyncResult(
            ok=error is None, error=error, pushed=tally.pushed, pulled=tally.pulled,
            conflicts=tally.conflicts, rejected=tally.rejected,
            new_urgent_visit_ids=tally.urgent, finished_at=utcnow(), offline=offline,
            set_aside=tally.set_aside, retry_at=retry_at, failure=failure,
        )

    def _retry_at(self, retry_after: float | None) -> datetime:
        """When to try again after a transient failure: backoff doubling with each failed
        run in a row (with jitter), or later if the server asked for it."""
        options = self.options
        backoff = min(options.max_retry_delay, options.retry_delay * 2 ** self._failures)
        delay = random.uniform(backoff / 2, backoff)
        if retry_after is not None:
            delay = max(delay, min(retry_after, options.max_retry_delay))
        return utcnow() + timedelta(seconds=delay)

    def _progress(self, phase: Phase, done: int, total: int) -> None:
        self.events.progress.emit(SyncProgress(phase, done, total))

    # --- push --------------------------------------------------------------------------

    def _push(self, tally: _Tally) -> None:
        replication = self.store.replication
        upto = replication.outbox_high_water()  # changes made during the push wait for next time
        total = replication.pending_count(upto)
        done = 0
        self._progress("push", 0, total)
        while batch := replication.take_batch(self.options.batch_size, upto):
            sendable = self._upload_attachments(batch, tally)
            sendable = [op for op in sendable if self._serialisable(op, tally)]
            self._push_ops(sendable, tally)
            done += len(batch)
            self._progress("push", done, max(total, done))

    def _push_ops(self, ops: list[OutboxOp], tally: _Tally) -> None:
        """Push ``ops``; if the office refuses the request as a whole (4xx), push them one
        by one, so the one it refuses goes to "needs attention" and the rest go through."""
        if not ops:
            return
        try:
            response = self.client.push([_mutation(op) for op in ops])
        except InvalidRequestError as exc:
            if not _refuses_content(exc):
                raise  # e.g. a 404 from a wrong address: nothing is wrong with the changes
            if len(ops) > 1:
                for op in ops:
                    self._push_ops([op], tally)
                return
            log.warning("change %s refused by the office: %s", ops[0].op_id, exc.message)
            self._set_aside_op(ops[0], exc.message, exc.code or "refused", tally)
            return
        check_results(ops, response)
        outcome = self.store.replication.apply_results(response.results)
        tally.pushed += outcome.acknowledged
        tally.conflicts += outcome.conflicts
        tally.rejected += outcome.rejected

    def _set_aside_op(self, op: OutboxOp, reason: str, code: str, tally: _Tally) -> None:
        self.store.replication.reject_locally(op, reason, code)
        tally.rejected += 1

    def _serialisable(self, op: OutboxOp, tally: _Tally) -> bool:
        try:
            _mutation(op).model_dump_json()
        except (ValueError, PydanticSerializationError) as exc:
            log.warning("change %s cannot be sent: %s", op.op_id, exc)
            self._set_aside_op(
                op, f"This change cannot be sent ({exc}); edit it again or dismiss it.",
                "unsendable", tally,
            )
            return False
        return True

    def _upload_attachments(self, batch: list[OutboxOp], tally: _Tally) -> list[OutboxOp]:
        """Upload the files the batch's sessions name; returns the ops still to push.

        A session whose file cannot be read (missing or damaged on disk) is set aside
        with a reason the person can act on; nothing else waits for it.
        """
        replication = self.store.replication
        shas = {sha for op in batch if op.entity == "session"
                for sha in op.payload.get("attachments", [])}
        if not shas:
            return batch
        unreadable: dict[str, str] = {}
        for upload in replication.attachments_to_upload(sorted(shas)):
            content = upload.read()
            if content is None:
                unreadable[upload.sha256] = upload.filename or upload.sha256[:12]
                replication.quarantine_attachment(upload.sha256)
                continue
            if not self.client.has_attachment(upload.sha256):
                try:
                    self.client.put_attachment(upload.sha256, content, upload.content_type)
                except InvalidRequestError as exc:
                    if not _refuses_content(exc):
                        raise
                    log.warning("attachment %s refused: %s", upload.sha256, exc.message)
                    unreadable[upload.sha256] = upload.filename or upload.sha256[:12]
                    continue
            replication.mark_uploaded(upload.sha256)
        sendable = []
        for op in batch:
            bad = [unreadable[s] for s in op.payload.get("attachments", []) if s in unreadable]
            if op.entity == "session" and bad:
                reason = (
                    f"The attached file(s) {', '.join(bad)} could not be read from this "
                    "computer (damaged or missing), so this session was not sent. Re-attach "
                    "the file(s) in the session and save, or dismiss this."
                )
                self._set_aside_op(op, reason, "attachment_unreadable", tally)
            else:
                sendable.append(op)
        return sendable

    # --- pull --------------------------------------------------------------------------

    def _pull_near(
        self, tally: _Tally
    ) -> tuple[NearPull | None, schemas.PullResponse | None]:
        """A first sync's first step: the visits of today and tomorrow (and overdue ones) and
        what they reference, each page stored with its own cursor.  Returns the finished
        near pull (the rest then skips what it sent), or None: no first sync, or an office
        that pulls in its own order only; then also its answer, if it is the first page of
        its plain snapshot (so no request is wasted on an older office)."""
        replication = self.store.replication
        near = replication.near_pull()
        if near is None:
            now = utcnow()
            near = replication.begin_near_pull(_start_of_today(now), _end_of_tomorrow(
                now.timestamp()))
            if near is None:
                return None, None
        if near.skip is not None:
            return near, None  # done before an interruption: the rest goes on
        cursor, seen = near.cursor, {near.cursor}
        done = 0
        self._progress("pull", 0, 0)
        while True:
            try:
                page = self.client.pull(cursor, self.options.page_size,
                                        near=(near.start, near.end))
            except ResetRequiredError:
                log.info("the near pull's cursor expired; pulling everything in order")
                replication.abandon_near_pull()
                return None, None
            if page.scope != "near":
                log.info("the office pulls in its own order only (no near pull)")
                replication.abandon_near_pull()
                return None, page if cursor is None else None
            if page.has_more and page.cursor in seen:
                raise MalformedResponseError(
                    "The server sent pull pages that go round in a circle (a cursor came back); "
                    "the pull does not advance. Nothing was lost; tell the office."
                )
            seen.add(page.cursor)
            self._apply_page(page, cursor, tally, report_urgent=False, near=True)
            if page.near_until is not None:
                near = replace(near, end=page.near_until)
            done += len(page.changes)
            cursor = page.cursor
            self._progress("pull", done, 0 if page.has_more else done)
            if not page.has_more:
                return replace(near, cursor=None, skip=page.cursor), None

    def _apply_page(
        self, page: schemas.PullResponse, cursor: str | None, tally: _Tally, *,
        report_urgent: bool, near: bool = False,
    ) -> None:
        replication = self.store.replication
        set_aside = check_page(page, cursor)
        for item in set_aside:
            log.warning("set aside %s %r from the server: %s", item.change.entity,
                        item.change.id, item.problem)
        outcome = replication.apply_page(
            page, report_urgent=report_urgent, set_aside=set_aside, near=near
        )
        tally.set_aside += len(set_aside)
        tally.pulled += outcome.applied
        tally.urgent.extend(outcome.new_urgent_visit_ids)

    def _pull(
        self, tally: _Tally, near: NearPull | None = None,
        first: schemas.PullResponse | None = None,
    ) -> None:
        """Changes since the cursor; after a near pull, the rest of the first snapshot
        (phase "history": the board is usable).  ``first``: the first page, already here."""
        replication = self.store.replication
        phase: Phase = "pull" if near is None else "history"
        skip = None if near is None else near.skip
        cursor = replication.cursor()
        # An interrupted first pull (or re-snapshot) resumes at its stored cursor: each
        # page's cursor is stored in the transaction that stores the page.
        incremental = not replication.snapshot_in_progress()
        replication.begin_first_pull()
        reset = False
        done = 0
        seen: set[str | None] = {cursor}
        self._progress(phase, 0, 0)
        while True:
            try:
                page = first or self.client.pull(
                    cursor, self.options.page_size, skip=skip,
                    near=None if near is None or skip is None else (near.start, near.end),
                )
                first = None
            except ResetRequiredError:
                if reset:
                    raise
                log.info("server asked for a re-snapshot; the outbox is kept")
                replication.begin_reset()
                cursor, reset, incremental, skip = None, True, False, None
                seen = {None}
                continue
            if page.has_more and page.cursor in seen:
                raise MalformedResponseError(
                    "The server sent pull pages that go round in a circle (a cursor came back); "
                    "the pull does not advance. Nothing was lost; tell the office."
                )
            seen.add(page.cursor)
            self._apply_page(page, cursor, tally, report_urgent=incremental)
            done += len(page.changes)
            cursor = page.cursor
            self._progress(phase, done, 0 if page.has_more else done)
            if not page.has_more:
                return

    # --- telemetry ---------------------------------------------------------------------

    def _telemetry(
        self, part: Literal["all", "near", "rest"] = "all", near_end: datetime | None = None
    ) -> None:
        """Windows of today's and tomorrow's work first (phase "telemetry"): then the board
        is usable; then those of the other open visits (phase "history").  A first sync
        fetches the "near" part right after its near pull, the "rest" after the rest."""
        replication = self.store.replication
        assets = replication.telemetry_assets()
        if part != "near":
            replication.forget_telemetry_except(set(assets))
        now = self.client.server_time or self.client.health().time.timestamp()
        last = replication.meta("telemetry_at")
        fetched = replication.telemetry_fetched_until(RESOLUTIONS[0][0])
        fresh = last is not None and 0 <= now - float(last) < self.options.telemetry_every
        if part == "all" and fresh and all(a in fetched for a in assets):
            return
        near = replication.near_telemetry_assets(near_end or _end_of_tomorrow(now))
        if part != "rest":
            self._refresh_assets("telemetry", near, now)
        if part == "near":
            return
        if part == "rest":  # the near part's assets were fetched a moment ago
            later = [a for a in assets
                     if not 0 <= now - fetched.get(a, -math.inf) < self.options.telemetry_every]
        else:
            later = [a for a in assets if a not in set(near)]
        self._refresh_assets("history", later, now)
        replication.set_meta("telemetry_at", repr(now))

    def _refresh_assets(self, phase: Phase, assets: list[str], now: float) -> None:
        """Both resolutions of ``assets``: coarse first; raw readings then only for the
        assets with any reading in the coarse window (the raw window lies inside it).
        Up to ``telemetry_in_flight`` requests run at once; replies are stored in order."""
        replication = self.store.replication
        per = self.options.telemetry_assets_per_request
        total = done = 0
        self._progress(phase, 0, 0)
        for number, (bucket, span) in enumerate(RESOLUTIONS):
            wanted = assets
            if number:
                have_data = replication.assets_with_telemetry(assets)
                replication.mark_telemetry_fetched([a for a in assets if a not in have_data],
                                                   bucket, now)
                wanted = [a for a in assets if a in have_data]
            until = replication.telemetry_fetched_until(bucket)
            chunks = [c for c in (wanted[i : i + per] for i in range(0, len(wanted), per))
                      if not self._fetched_recently(c, until, now)]  # else: before a stop
            total += len(chunks)
            for chunk, since, windows in self._fetch_windows(chunks, bucket, now - span, until,
                                                             now):
                if windows is not None:
                    replication.store_telemetry(
                        bucket, asset_ids=chunk, series=windows.series, replace_from=since,
                        keep_from=now - span, until=now,
                    )
                done += 1
                self._progress(phase, done, max(total, done))

    def _fetched_recently(self, chunk: list[str], until: dict[str, float], now: float) -> bool:
        return all(0 <= now - until.get(a, -math.inf) < self.options.telemetry_every
                   for a in chunk)

    def _fetch_windows(
        self, chunks: list[list[str]], bucket: int, window_start: float,
        until: dict[str, float], now: float,
    ) -> Iterator[tuple[list[str], float, WindowColumns | None]]:
        """(chunk, since, windows or None if refused) in the order of ``chunks``."""

        def fetch(chunk: list[str], since: float) -> WindowColumns | None:
            request = schemas.TelemetryWindowRequest(
                asset_ids=chunk, start=_utc(since), end=_utc(now), bucket_seconds=bucket
            )
            try:
                return self.client.telemetry_windows(request)
            except InvalidRequestError as exc:
                log.warning("telemetry of %s skipped: %s", chunk, exc.message)
                return None

        starts = []
        for chunk in chunks:
            since = max(window_start, min(until.get(a, window_start) for a in chunk))
            starts.append(since - since % bucket if bucket else since)
        with ThreadPoolExecutor(max_workers=self.options.telemetry_in_flight) as pool:
            pending: deque[tuple[list[str], float, Future[WindowColumns | None]]] = deque()
            try:
                for chunk, since in zip(chunks, starts, strict=True):
                    pending.append((chunk, since, pool.submit(fetch, chunk, since)))
                    if len(pending) >= self.options.telemetry_in_flight:
                        done_chunk, done_since, future = pending.popleft()
                        yield done_chunk, done_since, future.result()
                while pending:
                    done_chunk, done_since, future = pending.popleft()
                    yield done_chunk, done_since, future.result()
            finally:
                for _, _, future in pending:
                    future.cancel()


# Refusals of a request's content, in the office's error format: the change itself is at
# fault, so splitting the batch finds it.  Anything else (a 404 from a wrong address, a
# proxy's page) fails the sync and keeps every change queued.
_CONTENT_REFUSALS = frozenset({400, 409, 413, 422})


def _refuses_content(exc: InvalidRequestError) -> bool:
    return exc.status in _CONTENT_REFUSALS and exc.code is not None


def _mutation(op: OutboxOp) -> schemas.Mutation:
    return schemas.Mutation(
        op_id=uuid.UUID(op.op_id), entity=op.entity, entity_id=op.entity_id,
        base_version=op.base_version, payload=op.payload, made_at=op.made_at,
    )


def _start_of_today(now: datetime) -> datetime:
    """Local midnight that began the technician's day, as an aware datetime."""
    return now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)


def _end_of_tomorrow(now: float) -> datetime:
    """Local midnight after tomorrow (the technician's day), as an aware datetime."""
    today = datetime.fromtimestamp(now).astimezone().replace(hour=0, minute=0, second=0,
                                                             microsecond=0)
    return today + timedelta(days=2)


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
