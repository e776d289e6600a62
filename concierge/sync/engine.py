"""One sync cycle: push the outbox, pull changes, refresh telemetry windows."""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from concierge.api.client import ApiClient
from concierge.api.errors import ApiError, InvalidRequestError, OfflineError, ResetRequiredError
from concierge.protocol import schemas
from concierge.store import OutboxOp, Store
from concierge.store.clock import utcnow
from concierge.store.telemetry import RESOLUTIONS
from concierge.sync.checks import check_page, check_results
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
        error, offline = None, False
        self.store.replication.record_attempt()
        try:
            self._push(tally)
            self._pull(tally)
            self._telemetry()
        except ApiError as exc:
            error, offline = exc.message, isinstance(exc, OfflineError)
            log.warning("sync stopped: %s", exc.message)
        except Exception as exc:
            log.exception("sync failed")
            error = f"Sync failed unexpectedly ({type(exc).__name__}); details are in the log."
        self.store.replication.record_outcome(error)
        return SyncResult(
            ok=error is None, error=error, pushed=tally.pushed, pulled=tally.pulled,
            conflicts=tally.conflicts, rejected=tally.rejected,
            new_urgent_visit_ids=tally.urgent, finished_at=utcnow(), offline=offline,
            set_aside=tally.set_aside,
        )

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
            self._upload_attachments(batch)
            response = self.client.push([_mutation(op) for op in batch])
            check_results(batch, response)
            outcome = replication.apply_results(response.results)
            tally.pushed += outcome.acknowledged
            tally.conflicts += outcome.conflicts
            tally.rejected += outcome.rejected
            done += len(batch)
            self._progress("push", done, max(total, done))

    def _upload_attachments(self, batch: list[OutboxOp]) -> None:
        shas = [
            sha for op in batch if op.entity == "session"
            for sha in op.payload.get("attachments", [])
        ]
        if not shas:
            return
        for sha, content_type, path in self.store.replication.attachments_to_upload(shas):
            if not path.exists():
                continue  # the server will refuse the session and say which file is missing
            if not self.client.has_attachment(sha):
                self.client.put_attachment(sha, path.read_bytes(), content_type)
            self.store.replication.mark_uploaded(sha)

    # --- pull --------------------------------------------------------------------------

    def _pull(self, tally: _Tally) -> None:
        replication = self.store.replication
        cursor = replication.cursor()
        incremental = cursor is not None
        reset = False
        done = 0
        self._progress("pull", 0, 0)
        while True:
            try:
                page = self.client.pull(cursor, self.options.page_size)
            except ResetRequiredError:
                if reset:
                    raise
                log.info("server asked for a re-snapshot; the outbox is kept")
                replication.begin_reset()
                cursor, reset, incremental = None, True, False
                continue
            set_aside = check_page(page, cursor)
            for item in set_aside:
                log.warning("set aside %s %r from the server: %s", item.change.entity,
                            item.change.id, item.problem)
            outcome = replication.apply_page(
                page, report_urgent=incremental, set_aside=set_aside
            )
            tally.set_aside += len(set_aside)
            tally.pulled += outcome.applied
            tally.urgent.extend(outcome.new_urgent_visit_ids)
            done += len(page.changes)
            cursor = page.cursor
            self._progress("pull", done, 0 if page.has_more else done)
            if not page.has_more:
                return

    # --- telemetry ---------------------------------------------------------------------

    def _telemetry(self) -> None:
        replication = self.store.replication
        assets = replication.telemetry_assets()
        replication.forget_telemetry_except(set(assets))
        now = self.client.server_time or self.client.health().time.timestamp()
        last = replication.meta("telemetry_at")
        fetched = replication.telemetry_fetched_until(RESOLUTIONS[0][0])
        fresh = last is not None and 0 <= now - float(last) < self.options.telemetry_every
        if fresh and all(a in fetched for a in assets):
            return
        per = self.options.telemetry_assets_per_request
        chunks = [assets[i : i + per] for i in range(0, len(assets), per)]
        total, done = len(chunks) * len(RESOLUTIONS), 0
        self._progress("telemetry", 0, total)
        for bucket, span in RESOLUTIONS:
            until = replication.telemetry_fetched_until(bucket)
            for chunk in chunks:
                self._refresh_chunk(chunk, bucket, now - span, until, now)
                done += 1
                self._progress("telemetry", done, total)
        replication.set_meta("telemetry_at", repr(now))

    def _refresh_chunk(
        self, chunk: list[str], bucket: int, window_start: float, until: dict[str, float],
        now: float,
    ) -> None:
        since = max(window_start, min(until.get(a, window_start) for a in chunk))
        if bucket:
            since -= since % bucket
        request = schemas.TelemetryWindowRequest(
            asset_ids=chunk, start=_utc(since), end=_utc(now), bucket_seconds=bucket
        )
        try:
            windows = self.client.telemetry_windows(request)
        except InvalidRequestError as exc:
            log.warning("telemetry of %s skipped: %s", chunk, exc.message)
            return
        self.store.replication.store_telemetry(
            bucket, asset_ids=chunk, series=windows.series, replace_from=since,
            keep_from=window_start, until=now,
        )


def _mutation(op: OutboxOp) -> schemas.Mutation:
    return schemas.Mutation(
        op_id=uuid.UUID(op.op_id), entity=op.entity, entity_id=op.entity_id,
        base_version=op.base_version, payload=op.payload, made_at=op.made_at,
    )


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
