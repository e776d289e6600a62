# SPDX-License-Identifier: Apache-2.0
"""Remote attempts as wire records, and the figures a service company cares about."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from concierge.protocol import schemas
from concierge_office import db
from concierge_office.db import utc
from concierge_office.devices.tables import device_commands, remote_decisions

_RESULT = {
    "awaiting_approval": "awaiting_approval",
    "commanded": "pending",
    "joined": "pending",
    "fixed": "fixed",
    "not_fixed": "not_fixed",
    "declined": "declined",
    "approval_timed_out": "approval_timed_out",
}


FIXES_DAYS = 90.0  # a site lists the remote fixes of this long
FIXES_PER_SITE = 20


def _opt(ts: float | None) -> Any:
    return None if ts is None else utc(ts)


def attempts_by_insight(
    conn: Connection, insight_ids: Iterable[str]
) -> dict[str, list[schemas.RemoteAttempt]]:
    d = remote_decisions
    wanted = sorted(set(insight_ids))
    out: dict[str, list[schemas.RemoteAttempt]] = defaultdict(list)
    for start in range(0, len(wanted), 500):
        rows = conn.execute(
            _select()
            .where(d.c.insight_id.in_(wanted[start : start + 500]))
            .order_by(d.c.decided_at)
        ).all()
        for r in rows:
            out[r.insight_id].append(_attempt(r))
    return out


def _select() -> Any:
    d, c = remote_decisions, device_commands
    return select(
        d,
        c.c.command_id,
        c.c.command,
        c.c.state.label("command_state"),
        c.c.sent_at,
        c.c.acked_at,
    ).join(c, c.c.decision_key == d.c.decision_key, isouter=True)


def _attempt(r: Any) -> schemas.RemoteAttempt:
    return schemas.RemoteAttempt(
        decision_key=r.decision_key,
        insight_id=r.insight_id,
        asset_id=r.asset_id,
        action=r.action,
        command=r.command,
        command_id=r.command_id,
        command_state=r.command_state,
        safety=r.safety,
        result=_RESULT.get(r.state, "pending"),
        metric=r.effect["metric"],
        direction=r.effect["direction"],
        decided_at=utc(r.decided_at),
        sent_at=_opt(r.sent_at),
        acked_at=_opt(r.acked_at),
        concluded_at=_opt(r.resolved_at),
        baseline=r.baseline,
        observed=r.observed,
        detail=r.detail,
        customer_note=r.customer_note,
    )


def fixes_by_site(
    conn: Connection, site_ids: Iterable[str], now: float | None = None
) -> dict[str, list[schemas.RemoteAttempt]]:
    """Per site, its insights resolved remotely lately (behind the scenes), newest first."""
    d, ins = remote_decisions, db.insights
    since = (time.time() if now is None else now) - FIXES_DAYS * 86_400
    wanted = sorted(set(site_ids))
    out: dict[str, list[schemas.RemoteAttempt]] = defaultdict(list)
    for start in range(0, len(wanted), 500):
        rows = conn.execute(
            _select()
            .add_columns(ins.c.site_id)
            .join(ins, ins.c.id == d.c.insight_id)
            .where(
                ins.c.site_id.in_(wanted[start : start + 500]),
                d.c.state == "fixed",
                d.c.resolved_at >= since,
            )
            .order_by(d.c.resolved_at.desc(), d.c.decision_key)
        ).all()
        for r in rows:
            if len(out[r.site_id]) < FIXES_PER_SITE:
                out[r.site_id].append(_attempt(r))
    return out


def attach_attempts(conn: Connection, entity: str, found: dict[str, dict[str, Any]]) -> None:
    """Add ``remote_attempts`` to JSON-ready visit or insight records, and
    ``remote_fixes`` to site records (sync pull)."""
    if entity not in ("visit", "insight", "site") or not found:
        return
    if entity == "site":
        by_site = fixes_by_site(conn, found)
        for ident, record in found.items():
            record["remote_fixes"] = [a.model_dump(mode="json") for a in by_site[ident]]
        return
    if entity == "insight":
        by_insight = attempts_by_insight(conn, found)
        for ident, record in found.items():
            record["remote_attempts"] = [a.model_dump(mode="json") for a in by_insight[ident]]
        return
    by_insight = attempts_by_insight(conn, {i for r in found.values() for i in r["insight_ids"]})
    for record in found.values():
        ids = list(record["insight_ids"])
        record["remote_attempts"] = [
            a.model_dump(mode="json") for i in ids for a in by_insight.get(i, [])
        ]


def figures(conn: Connection) -> schemas.RemoteFigures:
    """Per asset kind: insights tried remotely, resolved remotely, visits avoided, and the
    mean time from insight to remote resolution."""
    d, ins = remote_decisions, db.insights
    rows = conn.execute(
        select(
            d.c.asset_kind, d.c.state, d.c.resolved_at, ins.c.created_at, d.c.asset_id, d.c.action
        ).join(ins, ins.c.id == d.c.insight_id)
    ).all()
    # One remote fix of an asset can close several insights (trend and deviation): one visit.
    avoided: dict[str, set[tuple[str, str]]] = defaultdict(set)
    kinds: dict[str, dict[str, Any]] = {}
    for kind, state, resolved_at, created_at, asset_id, action in rows:
        k = kinds.setdefault(
            kind, {"attempted": 0, "resolved_remotely": 0, "not_fixed": 0, "pending": 0, "t": []}
        )
        k["attempted"] += 1
        if state == "fixed":
            k["resolved_remotely"] += 1
            avoided[kind].add((asset_id, action))
            k["t"].append(resolved_at - created_at)
        elif state in ("not_fixed", "declined", "approval_timed_out"):
            k["not_fixed"] += 1
        else:
            k["pending"] += 1
    per_kind = [
        schemas.RemoteKindFigures(
            asset_kind=kind,
            attempted=k["attempted"],
            resolved_remotely=k["resolved_remotely"],
            visits_avoided=len(avoided[kind]),
            sent_a_technician=k["not_fixed"],
            pending=k["pending"],
            mean_seconds_to_resolution=(sum(k["t"]) / len(k["t"])) if k["t"] else None,
        )
        for kind, k in sorted(kinds.items())
    ]
    return schemas.RemoteFigures(kinds=per_kind)
