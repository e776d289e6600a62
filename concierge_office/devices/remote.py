# SPDX-License-Identifier: Apache-2.0
"""Remote first: try a playbook's remote action before sending a technician.

The proactive engine calls ``settled`` and ``triage`` inside its write transaction:
triage stores a decision (and, for an automatic action, its command) for each new
actionable insight a playbook covers, and names the insights visit planning must skip
while their remote attempt runs.  ``sweep`` (a timer, driven by the database so every
deadline survives a restart) publishes queued commands, times out acks, and verifies
the effect from the telemetry that follows.  Fixed: the insight is resolved remotely
(its visit, if any, loses it).  Not fixed: the insight is released and the engine
plans (or keeps) its visit, which carries the attempt.

One command per decision: ``remote_decisions.decision_key`` and
``device_commands.decision_key`` are unique, and both rows are written before anything
is published.  A command is claimed by a lease before it is published, and a retry
publishes the same ``command_id``, which the device acknowledges without running again.
"""

from __future__ import annotations

import json
import logging
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, or_, select, update

from concierge.domain import VisitStatus
from concierge_office import db
from concierge_office.changes import (
    Withdrawal,
    publish_own,
    publish_visits,
    record_changes,
    refresh_visibility,
    visit_refs,
)
from concierge_office.db import Database
from concierge_office.devices import topics
from concierge_office.devices.envelope import Ack
from concierge_office.devices.playbooks import Catalogue, Playbook
from concierge_office.devices.tables import device_commands, remote_decisions

log = logging.getLogger(__name__)

ACTIONABLE = ("warning", "critical")
OPEN_VISIT = (VisitStatus.PROPOSED.value, VisitStatus.SCHEDULED.value)
PENDING = ("awaiting_approval", "commanded", "joined")
SETTLE_DAYS = 7.0  # a remote fix keeps its insight closed this long, then it may reopen
LEASE_SECONDS = 10.0
DONE_SECONDS = 300.0  # accepted but never done: failed
FAILED_COMMAND = ("expired", "ack_timeout", "rejected", "failed")
APPROVAL_TIMEOUT_SECONDS = 2 * 3600.0  # no dispatcher's word by then: a technician goes


class RemoteFirst:
    def __init__(
        self,
        database: Database,
        catalogue: Catalogue,
        *,
        now: Callable[[], float],
        replan: Callable[[], None],
        publish: Callable[[str, bytes], bool] | None = None,
        approval_timeout: float = APPROVAL_TIMEOUT_SECONDS,
    ) -> None:
        self.db = database
        self.approval_timeout = approval_timeout
        self.catalogue = catalogue
        self.now = now
        self.replan = replan
        self.publish = publish
        self._released = threading.Event()  # an attempt failed: plan its visit

    # --- engine hooks (inside the engine's write transaction) -----------------------

    def settled(self, conn: Connection, now: float) -> set[str]:
        """Insights resolved remotely lately: the engine must not reopen them."""
        d = remote_decisions
        rows = conn.execute(
            select(d.c.insight_id).where(
                d.c.state == "fixed", d.c.resolved_at >= now - SETTLE_DAYS * 86_400
            )
        )
        return set(rows.scalars())

    def triage(self, conn: Connection, now: float) -> set[str]:
        """Decide remote actions for new actionable insights; the insights to hold back
        from visit planning (their remote attempt runs or fixed them)."""
        ins, a, d = db.insights, db.assets, remote_decisions
        candidates = conn.execute(
            select(ins.c.id, ins.c.asset_id, ins.c.kind, ins.c.metric, a.c.kind.label("asset_kind"))
            .join(a, a.c.id == ins.c.asset_id)
            .where(
                ins.c.status == "open",
                ins.c.severity.in_(ACTIONABLE),
                ins.c.id.not_in(select(d.c.insight_id)),
            )
            .order_by(ins.c.id)
        ).all()
        for row in candidates:
            playbook = self.catalogue.find(row.kind, row.asset_kind, row.metric)
            if playbook is not None:
                self._decide(conn, row, playbook, now)
        held = conn.execute(
            select(d.c.insight_id).where(
                or_(
                    d.c.state.in_(PENDING),
                    and_(d.c.state == "fixed", d.c.resolved_at >= now - SETTLE_DAYS * 86_400),
                )
            )
        )
        return set(held.scalars())

    def _decide(self, conn: Connection, insight: Any, playbook: Playbook, now: float) -> None:
        key = f"{insight.id}:{playbook.id}"
        d = remote_decisions
        running = conn.execute(
            select(d.c.decision_key).where(
                d.c.asset_id == insight.asset_id,
                d.c.action == playbook.id,
                d.c.state.in_(("awaiting_approval", "commanded")),
            )
        ).scalar()
        if running is not None:  # another insight on the same fault: one action for both
            self._insert_decision(
                conn, key, insight, playbook, now, state="joined", detail=f"joins {running}"
            )
            return
        automatic = playbook.safety == "automatic"
        state = "commanded" if automatic else "awaiting_approval"
        detail = "" if automatic else "waiting for a dispatcher's approval"
        self._insert_decision(conn, key, insight, playbook, now, state=state, detail=detail)
        if automatic:
            self._queue_command(conn, key, insight.asset_id, playbook, now)
        log.info("remote first: %s for insight %s (%s)", playbook.id, insight.id, playbook.safety)

    def _insert_decision(
        self,
        conn: Connection,
        key: str,
        insight: Any,
        playbook: Playbook,
        now: float,
        *,
        state: str,
        detail: str,
    ) -> None:
        conn.execute(
            self.db.insert_ignore(remote_decisions).values(
                decision_key=key,
                insight_id=insight.id,
                asset_id=insight.asset_id,
                asset_kind=insight.asset_kind,
                action=playbook.id,
                playbook_version=self.catalogue.version,
                safety=playbook.safety,
                state=state,
                effect=playbook.effect.model_dump(),
                decided_at=now,
                detail=detail,
                customer_note="",
            )
        )

    def _queue_command(
        self, conn: Connection, key: str, device_id: str, playbook: Playbook, now: float
    ) -> None:
        conn.execute(
            self.db.insert_ignore(device_commands).values(
                command_id=f"cmd-{uuid.uuid4().hex[:20]}",
                decision_key=key,
                device_id=device_id,
                command=playbook.command,
                params=dict(playbook.params),
                state="queued",
                created_at=now,
                expires_at=time.time() + playbook.expires_seconds,
                publishes=0,
                ack_detail="",
            )
        )

    # --- dispatcher -----------------------------------------------------------------

    def approve(self, decision_key: str, user_id: str, *, approve: bool = True) -> str:
        """Approve (queue its command) or decline a decision awaiting approval; its state."""
        d = remote_decisions
        with self.db.write() as conn:
            row = conn.execute(select(d).where(d.c.decision_key == decision_key)).first()
            if row is None:
                raise KeyError(decision_key)
            if row.state != "awaiting_approval":
                return str(row.state)
            now = self.now()
            playbook = self.catalogue.by_id(row.action)
            if approve and playbook is not None:
                self._queue_command(conn, decision_key, row.asset_id, playbook, now)
                state, detail = "commanded", f"approved by {user_id}"
            else:
                state, detail = "declined", f"declined by {user_id}: a technician goes"
            conn.execute(
                update(d)
                .where(d.c.decision_key == decision_key, d.c.state == "awaiting_approval")
                .values(state=state, approved_by=user_id, detail=detail)
            )
            insight_ids = [row.insight_id]
            if state == "declined":  # insights that joined this decision go to a visit too
                joined = and_(
                    d.c.asset_id == row.asset_id, d.c.action == row.action, d.c.state == "joined"
                )
                insight_ids += conn.execute(select(d.c.insight_id).where(joined)).scalars().all()
                conn.execute(update(d).where(joined).values(state=state, detail=detail))
            self._touch_visits(conn, insight_ids, now)
        if state == "declined":
            self._released.set()
        return state

    # --- device messages (inside the ingestor's write transaction) ------------------

    def record_acks(self, conn: Connection, acks: list[Ack]) -> None:
        c = device_commands
        wall = time.time()
        for ack in acks:
            where = and_(c.c.command_id == ack.command_id, c.c.device_id == ack.device_id)
            if ack.status == "accepted":
                conn.execute(
                    update(c)
                    .where(where, c.c.state.in_(("queued", "sent")))
                    .values(state="accepted", acked_at=wall, ack_detail=ack.detail)
                )
            elif ack.status == "done":
                conn.execute(
                    update(c)
                    .where(where, c.c.state.in_(("queued", "sent", "accepted")))
                    .values(state="done", acked_at=wall, done_at=ack.t, ack_detail=ack.detail)
                )
            else:
                done = conn.execute(
                    update(c)
                    .where(where, c.c.state.in_(("queued", "sent", "accepted")))
                    .values(state=ack.status, acked_at=wall, ack_detail=ack.detail)
                )
                if done.rowcount:
                    self._conclude_failed(conn, ack.command_id, f"the device {ack.status} it")

    def record_executed(self, conn: Connection, device_id: str, command_ids: list[str]) -> None:
        """A device's state lists commands it ran: closes those whose ack was lost."""
        c = device_commands
        conn.execute(
            update(c)
            .where(
                c.c.device_id == device_id,
                c.c.command_id.in_(command_ids),
                c.c.state.in_(("queued", "sent", "accepted")),
            )
            .values(state="done", acked_at=time.time(), done_at=self.now(), ack_detail="from state")
        )

    # --- the sweep ------------------------------------------------------------------

    def sweep(self) -> None:
        self._send_queued()
        with self.db.write() as conn:
            self._time_out_approvals(conn)
            self._time_out(conn)
            self._verify(conn)
        self.replan_if_released()

    def replan_if_released(self) -> None:
        """An attempt failed or was declined here: plan its visit now, not at the next
        engine run."""
        if self._released.is_set():
            self._released.clear()
            self.replan()

    def _send_queued(self) -> None:
        if self.publish is None:
            return
        c = device_commands
        wall = time.time()
        with self.db.write() as conn:
            due = conn.execute(
                select(c).where(
                    c.c.state == "queued",
                    c.c.expires_at > wall,
                    or_(c.c.lease_until.is_(None), c.c.lease_until < wall),
                )
            ).all()
            claimed = []
            for row in due:  # the lease: another sender skips the row while we publish
                result = conn.execute(
                    update(c)
                    .where(
                        c.c.command_id == row.command_id,
                        c.c.state == "queued",
                        or_(c.c.lease_until.is_(None), c.c.lease_until < wall),
                    )
                    .values(lease_until=wall + LEASE_SECONDS, publishes=c.c.publishes + 1)
                )
                if result.rowcount:
                    claimed.append(row)
        for row in claimed:
            payload = json.dumps(
                {
                    "command_id": row.command_id,
                    "command": row.command,
                    "params": row.params,
                    "expires_at": int(row.expires_at * 1000),
                },
                separators=(",", ":"),
            ).encode()
            if not self.publish(topics.command(row.device_id, row.command_id), payload):
                continue  # still queued: the lease runs out and the same id goes again
            timeout = self._playbook_timeout(row.decision_key)
            sent = time.time()
            with self.db.write() as conn:
                conn.execute(
                    update(c)
                    .where(c.c.command_id == row.command_id)
                    .values(sent_at=sent, ack_deadline=sent + timeout)
                )
                conn.execute(
                    update(c)
                    .where(c.c.command_id == row.command_id, c.c.state == "queued")
                    .values(state="sent")
                )

    def _playbook_timeout(self, decision_key: str) -> float:
        action = decision_key.rsplit(":", 1)[-1]
        playbook = self.catalogue.by_id(action)
        return playbook.ack_timeout_seconds if playbook is not None else 30.0

    def _time_out(self, conn: Connection) -> None:
        c = device_commands
        wall = time.time()
        rules = (
            ("queued", c.c.expires_at <= wall, "expired", "never delivered: the device was away"),
            ("sent", c.c.ack_deadline <= wall, "ack_timeout", "the device did not acknowledge"),
            (
                "accepted",
                c.c.acked_at <= wall - DONE_SECONDS,
                "failed",
                "the device never finished",
            ),
        )
        for state, overdue, new_state, detail in rules:
            rows = conn.execute(select(c.c.command_id).where(c.c.state == state, overdue)).all()
            for (command_id,) in rows:
                result = conn.execute(
                    update(c)
                    .where(c.c.command_id == command_id, c.c.state == state)
                    .values(state=new_state, ack_detail=detail)
                )
                if result.rowcount:
                    self._conclude_failed(conn, command_id, detail)

    def _time_out_approvals(self, conn: Connection) -> None:
        """A decision no dispatcher approved or declined in time releases its insights
        (and those that joined it) to visit planning; the visit carries the attempt."""
        d = remote_decisions
        now = self.now()
        overdue = conn.execute(
            select(d).where(
                d.c.state == "awaiting_approval", d.c.decided_at <= now - self.approval_timeout
            )
        ).all()
        minutes = round(self.approval_timeout / 60)
        detail = f"no dispatcher's approval within {minutes} min: a technician goes"
        for row in overdue:
            timed_out = conn.execute(
                update(d)
                .where(d.c.decision_key == row.decision_key, d.c.state == "awaiting_approval")
                .values(state="approval_timed_out", resolved_at=now, detail=detail)
            )
            if not timed_out.rowcount:
                continue
            joined = and_(
                d.c.asset_id == row.asset_id, d.c.action == row.action, d.c.state == "joined"
            )
            insight_ids = [row.insight_id]
            insight_ids += conn.execute(select(d.c.insight_id).where(joined)).scalars().all()
            conn.execute(
                update(d).where(joined).values(
                    state="approval_timed_out", resolved_at=now, detail=detail
                )
            )
            log.warning("remote first: %s for %s: %s", row.action, row.insight_id, detail)
            self._touch_visits(conn, insight_ids, now)
            self._released.set()

    def _verify(self, conn: Connection) -> None:
        c, d = device_commands, remote_decisions
        now = self.now()
        rows = conn.execute(
            select(c.c.command_id, c.c.done_at, d)
            .join(d, d.c.decision_key == c.c.decision_key)
            .where(c.c.state == "done", d.c.state == "commanded")
        ).all()
        for row in rows:
            effect = row.effect
            done_at = float(row.done_at)
            baseline = row.baseline
            if baseline is None:
                baseline = self._baseline(conn, row.asset_id, effect, done_at)
                conn.execute(
                    update(d).where(d.c.decision_key == row.decision_key).values(baseline=baseline)
                )
            after = self._values(
                conn,
                row.asset_id,
                effect["metric"],
                done_at + effect["settle_seconds"],
                done_at + effect["window_seconds"],
            )
            observed = statistics.median(after) if after else None
            improved = (
                observed is not None
                and baseline is not None
                and len(after) >= effect["min_samples"]
                and _gain(effect["direction"], baseline, observed) >= effect["min_change"]
            )
            if improved:
                self._conclude(conn, row, "fixed", observed, now)
            elif now > done_at + effect["window_seconds"]:
                self._conclude(conn, row, "not_fixed", observed, now)

    def _baseline(
        self, conn: Connection, asset_id: str, effect: dict[str, Any], done_at: float
    ) -> float | None:
        """The median of the metric's last ten readings up to the command's effect."""
        before = self._values(conn, asset_id, effect["metric"], 0.0, done_at, last=10)
        return statistics.median(before) if before else None

    def _values(
        self,
        conn: Connection,
        asset_id: str,
        metric: str,
        start: float,
        end: float,
        *,
        last: int | None = None,
    ) -> list[float]:
        t, s = db.telemetry, db.series
        stmt = (
            select(t.c.value)
            .join(s, s.c.id == t.c.series_id)
            .where(s.c.asset_id == asset_id, s.c.metric == metric, t.c.ts > start, t.c.ts <= end)
        )
        if last is not None:
            stmt = stmt.order_by(t.c.ts.desc()).limit(last)
        return [float(v) for v in conn.execute(stmt).scalars()]

    # --- verdicts -------------------------------------------------------------------

    def _conclude_failed(self, conn: Connection, command_id: str, detail: str) -> None:
        c, d = device_commands, remote_decisions
        row = conn.execute(
            select(d)
            .join(c, c.c.decision_key == d.c.decision_key)
            .where(c.c.command_id == command_id, d.c.state == "commanded")
        ).first()
        if row is not None:
            self._conclude(conn, row, "not_fixed", None, self.now(), detail=detail)

    def _conclude(
        self,
        conn: Connection,
        row: Row[Any],
        verdict: str,
        observed: float | None,
        now: float,
        *,
        detail: str | None = None,
    ) -> None:
        d, c = remote_decisions, device_commands
        playbook = self.catalogue.by_id(row.action)
        metric = row.effect["metric"]
        if verdict == "fixed":
            text = f"{metric} {_num(row.baseline)} -> {_num(observed)}: fixed remotely"
            note = _customer_note(playbook, now, observed)
        else:
            text = detail or (
                f"{metric} {_num(row.baseline)} -> {_num(observed)}: no effect in the window"
            )
            note = ""
        result = conn.execute(
            update(d)
            .where(d.c.decision_key == row.decision_key, d.c.state == "commanded")
            .values(
                state=verdict, resolved_at=now, observed=observed, detail=text, customer_note=note
            )
        )
        if not result.rowcount:
            return
        conn.execute(
            update(c)
            .where(c.c.decision_key == row.decision_key, c.c.state == "done")
            .values(state=verdict)
        )
        joined = (
            conn.execute(
                select(d.c.insight_id).where(
                    d.c.asset_id == row.asset_id, d.c.action == row.action, d.c.state == "joined"
                )
            )
            .scalars()
            .all()
        )
        conn.execute(
            update(d)
            .where(d.c.asset_id == row.asset_id, d.c.action == row.action, d.c.state == "joined")
            .values(
                state=verdict,
                resolved_at=now,
                observed=observed,
                baseline=row.baseline,
                detail=text,
                customer_note=note,
            )
        )
        log.info("remote first: %s on %s: %s", row.action, row.asset_id, text)
        insight_ids = [row.insight_id, *joined]
        if verdict == "fixed":
            for insight_id in insight_ids:
                self._resolve_insight(conn, insight_id, now)
            self._publish_sites(conn, insight_ids, now)
        else:
            self._touch_visits(conn, insight_ids, now)
            self._released.set()

    def _resolve_insight(self, conn: Connection, insight_id: str, now: float) -> None:
        ins = db.insights
        row = conn.execute(
            select(ins.c.version, ins.c.status).where(ins.c.id == insight_id)
        ).first()
        if row is None:
            return
        if row.status == "open":
            conn.execute(
                update(ins)
                .where(ins.c.id == insight_id)
                .values(status="resolved", version=row.version + 1, updated_at=now)
            )
            record_changes(self.db, conn, [(("insight", insight_id), row.version + 1)])
        self._drop_from_visits(conn, insight_id, now)

    def _publish_sites(self, conn: Connection, insight_ids: list[str], now: float) -> None:
        """New versions of the sites fixed behind the scenes: their technicians' laptops
        pull the site again, with its ``remote_fixes``."""
        s, ins = db.sites, db.insights
        site_ids = select(ins.c.site_id).where(ins.c.id.in_(insight_ids))
        sites = conn.execute(select(s.c.id, s.c.version).where(s.c.id.in_(site_ids))).all()
        for site in sites:
            conn.execute(
                update(s).where(s.c.id == site.id).values(version=site.version + 1, updated_at=now)
            )
        record_changes(self.db, conn, [(("site", r.id), r.version + 1) for r in sites])

    def _drop_from_visits(self, conn: Connection, insight_id: str, now: float) -> None:
        """Open visits stop listing an insight fixed remotely; one left with nothing to do
        is cancelled, saying why (the technician's board shows the reason)."""
        v, vi = db.visits, db.visit_insights
        visits = conn.execute(
            select(v).where(
                v.c.status.in_(OPEN_VISIT),
                v.c.id.in_(select(vi.c.visit_id).where(vi.c.insight_id == insight_id)),
            )
        ).all()
        published = []
        at = datetime.fromtimestamp(now, UTC).strftime("%H:%M UTC")
        for visit in visits:
            keep = [i for i in visit.insight_ids if i != insight_id]
            values: dict[str, Any] = {"insight_ids": keep}
            if not keep:
                values |= {
                    "status": VisitStatus.CANCELLED.value,
                    "outcome": f"Resolved remotely at {at}: no visit needed.",
                }
            conn.execute(
                vi.delete().where(vi.c.visit_id == visit.id, vi.c.insight_id == insight_id)
            )
            conn.execute(
                update(v)
                .where(v.c.id == visit.id)
                .values(version=visit.version + 1, updated_at=now, **values)
            )
            if keep:
                published.append((visit.technician_id, visit.id, visit.version + 1))
            else:  # off the technician's round, with the reason their board shows
                self._withdraw(conn, visit.technician_id, visit.id, visit.version + 1,
                               self._fix_note(conn, insight_id))
        publish_visits(self.db, conn, published)

    def _withdraw(
        self, conn: Connection, technician_id: str, visit_id: str, version: int, note: str
    ) -> None:
        publish_own(self.db, conn, technician_id, ("visit", visit_id), version, visible=False,
                    withdrawal=Withdrawal("resolved_remotely", note))
        refresh_visibility(self.db, conn, technician_id, visit_refs(conn, [visit_id]))

    def _fix_note(self, conn: Connection, insight_id: str) -> str:
        """What was done remotely, in the office's words (the fixed attempt's detail)."""
        r = remote_decisions
        note = conn.execute(
            select(r.c.detail)
            .where(r.c.insight_id == insight_id, r.c.state == "fixed")
            .order_by(r.c.resolved_at.desc())
            .limit(1)
        ).scalar_one_or_none()
        return str(note or "")

    def _touch_visits(self, conn: Connection, insight_ids: list[str], now: float) -> None:
        """New versions of the open visits of these insights: their remote attempts changed."""
        v, vi = db.visits, db.visit_insights
        visits = conn.execute(
            select(v.c.id, v.c.technician_id, v.c.version).where(
                v.c.status.in_(OPEN_VISIT),
                v.c.id.in_(select(vi.c.visit_id).where(vi.c.insight_id.in_(insight_ids))),
            )
        ).all()
        for visit in visits:
            conn.execute(
                update(v)
                .where(v.c.id == visit.id)
                .values(version=visit.version + 1, updated_at=now)
            )
        publish_visits(self.db, conn, [(r.technician_id, r.id, r.version + 1) for r in visits])


def _gain(direction: str, baseline: float, observed: float) -> float:
    return baseline - observed if direction == "down" else observed - baseline


def _num(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f}"


def _customer_note(playbook: Playbook | None, now: float, observed: float | None) -> str:
    if playbook is None:
        return "We fixed a problem remotely before it affected you."
    at = datetime.fromtimestamp(now, UTC).strftime("%H:%M UTC")
    return playbook.customer_note.format(time=at, observed=_num(observed))
