# SPDX-License-Identifier: Apache-2.0
"""Serve, don't service (#19): the office's tracked items that a completed session opens.

- A wish the customer did not call solved becomes a follow-up (owner, due date).
- A low rating (at most 3 of 5) or any "not yet" opens a call-back task.

Each item has a status, an owner and a history, and is made once per session (its id is
derived from the session, so a replayed upload changes nothing).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Float,
    Integer,
    String,
    Table,
    Text,
    select,
    update,
)

from concierge.office_text import LOW_RATING
from concierge.protocol import schemas
from concierge.session.goodwill import allowance_of, reconcile
from concierge.session.model import Allowance, GoodwillRequest
from concierge_office import db
from concierge_office.db import metadata, utc

FOLLOW_UP_DAYS = 14  # the same promise the customer's report makes
CALL_BACK_DAYS = 2
DAY = 86_400.0

TaskKind = Literal["wish_follow_up", "call_back", "praise"]
GOOD_RATING = 4
TaskStatus = Literal["open", "in_progress", "done", "cancelled"]
TASK_STATUSES: tuple[str, ...] = ("open", "in_progress", "done", "cancelled")

serve_tasks = Table(
    "serve_tasks",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("site_id", String(64), nullable=False, index=True),
    Column("visit_id", String(64), nullable=False),
    Column("session_id", String(64), nullable=False),
    Column("technician_id", String(64), nullable=False, index=True),
    Column("owner", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("detail", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("due_at", Float, nullable=False),
    Column("history", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)


goodwill_requests = Table(
    "goodwill_requests",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("request_id", String(64), nullable=False),
    Column("session_id", String(64), nullable=False, index=True),
    Column("visit_id", String(64), nullable=False),
    Column("site_id", String(64), nullable=False, index=True),
    Column("technician_id", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("minutes", Float, nullable=False),
    Column("money", Float, nullable=False),
    Column("note", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("over_allowance", Boolean, nullable=False),
    Column("decision_reason", Text, nullable=False),
    Column("decided_by", String(64)),
    Column("given_at", Float, nullable=False),
    Column("history", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", Float, nullable=False),
)
DECIDED = frozenset({"approved", "declined"})


def sync_goodwill(conn: Connection, visit: Any, session: Any, now: float) -> None:
    """Keep the office's copy of the session's requests (the office's decisions stand),
    then check the site's year across every device: goodwill done offline that took the
    year over the allowance now needs approval."""
    data = session.data if isinstance(session.data, dict) else {}
    g = goodwill_requests
    raws = data.get("goodwill")
    for raw in raws if isinstance(raws, list) else []:
        try:
            item = GoodwillRequest.model_validate(raw)
        except ValidationError:
            continue  # the session's own validation is the laptop's; a bad item waits
        key = f"{session.id}:{item.id}"[:200]
        row = conn.execute(select(g).where(g.c.id == key)).first()
        fields = {"kind": item.kind, "text": item.text[:2000], "minutes": item.minutes,
                  "money": item.money, "note": item.note[:2000],
                  "given_at": item.at.timestamp(), "updated_at": now}
        if row is None:
            conn.execute(g.insert().values(
                id=key, request_id=item.id, session_id=session.id, visit_id=visit.id,
                site_id=visit.site_id, technician_id=visit.technician_id,
                status=item.status, over_allowance=False, decision_reason="",
                decided_by=None, version=1,
                history=[{"at": now, "by": visit.technician_id, "status": item.status,
                          "note": "recorded in the field"}], **fields))
        elif row.status not in DECIDED:
            conn.execute(update(g).where(g.c.id == key).values(**fields))
    _reconcile_site(conn, visit.site_id, now)


def keep_decisions(conn: Connection, session: Any) -> Any:
    """The session as pushed, with the office's decisions on its goodwill requests kept
    (a laptop that had not pulled them yet cannot undo them)."""
    data = session.data if isinstance(session.data, dict) else {}
    items = data.get("goodwill")
    if not isinstance(items, list) or not items:
        return session
    g = goodwill_requests
    decided = {r.request_id: r for r in conn.execute(
        select(g).where(g.c.session_id == session.id, g.c.status.in_(DECIDED))).all()}
    if not decided:
        return session
    kept = [
        {**item, "status": decided[item["id"]].status,
         "decision_reason": decided[item["id"]].decision_reason}
        if isinstance(item, dict) and isinstance(item.get("id"), str)
        and item["id"] in decided else item
        for item in items
    ]
    return session.model_copy(update={"data": {**data, "goodwill": kept}})


def _reconcile_site(conn: Connection, site_id: str, now: float) -> None:
    g = goodwill_requests
    contract = conn.execute(select(db.sites.c.contract).where(db.sites.c.id == site_id)).scalar()
    allowance = allowance_of(None) if contract is None else Allowance.model_validate(
        schemas.Contract.model_validate(contract).allowance.model_dump())
    rows = conn.execute(select(g).where(g.c.site_id == site_id, g.c.kind == "goodwill")).all()
    by_year: dict[int, list[Any]] = {}
    for r in rows:
        by_year.setdefault(datetime.fromtimestamp(r.given_at, UTC).year, []).append(r)
    for year_rows in by_year.values():
        requests = [GoodwillRequest(id=r.id, text=r.text, kind="goodwill", minutes=r.minutes,
                                    money=r.money, status=r.status,
                                    at=datetime.fromtimestamp(r.given_at, UTC))
                    for r in year_rows]  # flagged and then approved was spent: it counts
        for key in reconcile(allowance, requests):
            row = next(r for r in year_rows if r.id == key)
            conn.execute(update(g).where(g.c.id == key).values(
                status="pending", over_allowance=True, version=row.version + 1,
                updated_at=now, history=[*row.history, {
                    "at": now, "by": "system", "status": "pending",
                    "note": "over the year's allowance across devices: needs approval"}]))


def with_office_phone(site: dict[str, Any], office_phone: str) -> dict[str, Any]:
    """A site record as served: a contract naming no phone (or no contract: the standard
    terms) gives the office's configured phone for the customer's "who to call"."""
    contract = site.get("contract")
    if not office_phone or (isinstance(contract, dict) and contract.get("office_phone")):
        return site
    terms = contract if isinstance(contract, dict) else schemas.Contract().model_dump(mode="json")
    return {**site, "contract": {**terms, "office_phone": office_phone}}


def goodwill_out(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "request_id": row.request_id, "session_id": row.session_id,
        "visit_id": row.visit_id, "site_id": row.site_id, "technician_id": row.technician_id,
        "kind": row.kind, "text": row.text, "minutes": row.minutes, "money": row.money,
        "note": row.note, "status": row.status, "over_allowance": row.over_allowance,
        "decision_reason": row.decision_reason, "decided_by": row.decided_by,
        "given_at": utc(row.given_at), "history": row.history, "version": row.version,
        "updated_at": utc(row.updated_at),
    }


def wish_items(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The wishes of a session document, whatever shape a client sent."""
    wishes = data.get("wishes")
    items = wishes.get("items") if isinstance(wishes, dict) else None
    return [w for w in items if isinstance(w, dict)] if isinstance(items, list) else []


def tasks_for_session(visit: Any, session: Any, now: float) -> list[dict[str, Any]]:
    """The items a completed session opens (rows for ``serve_tasks``)."""
    data = session.data if isinstance(session.data, dict) else {}
    wishes = wish_items(data)
    rating = data.get("rating")
    done_at = session.completed_at.timestamp() if session.completed_at else now
    base = {"site_id": visit.site_id, "visit_id": visit.id, "session_id": session.id,
            "technician_id": visit.technician_id, "owner": visit.technician_id,
            "status": "open", "version": 1, "created_at": now, "updated_at": now}
    rows = []
    for wish in wishes:
        if wish.get("answer") == "yes":
            continue
        rows.append(base | {
            "id": f"wish:{session.id}:{wish.get('id', '')}"[:200],
            "kind": "wish_follow_up",
            "title": str(wish.get("text", ""))[:2000],
            "detail": {"wish_id": wish.get("id"), "answer": wish.get("answer"),
                       "comment": wish.get("comment", ""), "origin": wish.get("origin", "")},
            "due_at": done_at + FOLLOW_UP_DAYS * DAY,
            "history": [{"at": now, "by": "system", "status": "open",
                         "note": "opened: the customer did not call this wish solved"}],
        })
    not_yet = [str(w.get("text", "")) for w in wishes if w.get("answer") == "not_yet"]
    low = isinstance(rating, int) and rating <= LOW_RATING
    if low or not_yet:
        why = ([f"rated {rating}/5"] if low else []) + [f"not yet: {t}" for t in not_yet]
        rows.append(base | {
            "id": f"callback:{session.id}"[:200],
            "kind": "call_back",
            "title": "Call the customer back: " + "; ".join(why),
            "detail": {"rating": rating, "comment": data.get("comment", ""),
                       "not_yet": not_yet},
            "due_at": done_at + CALL_BACK_DAYS * DAY,
            "history": [{"at": now, "by": "system", "status": "open",
                         "note": "opened: " + "; ".join(why)}],
        })
    if isinstance(rating, int) and rating >= GOOD_RATING:
        comment = str(data.get("comment", ""))[:2000]
        rows.append(base | {
            "id": f"praise:{session.id}"[:200],
            "kind": "praise",
            "title": f"The customer rated your visit {rating}/5"
                     + (f": “{comment}”" if comment.strip() else ""),
            "detail": {"rating": rating, "comment": comment},
            "due_at": done_at,
            "history": [{"at": now, "by": "system", "status": "open",
                         "note": "passed on to the technician who earned it"}],
        })
    return rows


def open_for_session(database: Any, conn: Connection, visit: Any, session: Any,
                     now: float) -> None:
    """Open the session's items once (called as the office applies a completed session)."""
    for row in tasks_for_session(visit, session, now):
        exists = conn.execute(
            select(serve_tasks.c.id).where(serve_tasks.c.id == row["id"])
        ).first()
        if exists is None:
            conn.execute(serve_tasks.insert().values(**row))


def task_out(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "kind": row.kind, "site_id": row.site_id, "visit_id": row.visit_id,
        "session_id": row.session_id, "technician_id": row.technician_id, "owner": row.owner,
        "title": row.title, "detail": row.detail, "status": row.status,
        "due_at": utc(row.due_at), "history": row.history, "version": row.version,
        "created_at": utc(row.created_at), "updated_at": utc(row.updated_at),
    }


def delight_rows(conn: Connection, by: str, period: str) -> list[dict[str, Any]]:
    """Delight of completed sessions grouped by customer, site, technician or asset kind,
    per month or week: sessions, ratings (mean, low) and the per-wish answers."""
    s, v, st, a = db.sessions, db.visits, db.sites, db.assets
    rows = conn.execute(
        select(s.c.data, s.c.completed_at, v.c.technician_id, v.c.asset_ids, st.c.id,
               st.c.customer_name)
        .join(v, v.c.id == s.c.visit_id).join(st, st.c.id == v.c.site_id)
        .where(s.c.status == "completed")
    ).all()
    kinds = dict(conn.execute(select(a.c.id, a.c.kind)).all())
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for data, completed_at, technician, asset_ids, site_id, customer in rows:
        when = datetime.fromtimestamp(completed_at or 0.0, UTC)
        bucket = (f"{when.isocalendar().year}-W{when.isocalendar().week:02d}"
                  if period == "week" else when.strftime("%Y-%m"))
        keys = {"customer": [customer], "site": [site_id], "technician": [technician],
                "asset_kind": sorted({kinds.get(x, "") for x in asset_ids or []} - {""})}[by]
        doc = data if isinstance(data, dict) else {}
        rating = doc.get("rating") if isinstance(doc.get("rating"), int) else None
        wishes = wish_items(doc)
        for key in keys:
            g = groups.setdefault((key, bucket), {
                "key": key, "period": bucket, "sessions": 0, "rated": 0, "rating_sum": 0,
                "prep_rated": 0, "prep_sum": 0,
                "low_ratings": 0, "wishes": 0, "solved": 0, "partly": 0, "not_yet": 0})
            g["sessions"] += 1
            if rating is not None:
                g["rated"] += 1
                g["rating_sum"] += rating
                g["low_ratings"] += rating <= LOW_RATING
            prep = doc.get("prep_rating")
            if isinstance(prep, int) and 1 <= prep <= 5:
                g["prep_rated"] += 1
                g["prep_sum"] += prep
            g["wishes"] += len(wishes)
            for w in wishes:
                answer = {"yes": "solved", "partly": "partly", "not_yet": "not_yet"}.get(
                    str(w.get("answer")))
                if answer:
                    g[answer] += 1
    out = []
    for g in sorted(groups.values(), key=lambda g: (g["key"], g["period"])):
        total = g.pop("rating_sum")
        g["mean_rating"] = round(total / g["rated"], 2) if g["rated"] else None
        prep = g.pop("prep_sum")
        g["mean_preparation"] = round(prep / g["prep_rated"], 2) if g["prep_rated"] else None
        out.append(g)
    return out


# --- did it hold (#19.3) -------------------------------------------------------------

HOLD_DAYS = (7, 30)
HOLD_BUCKET = 900

held_checks = Table(
    "held_checks",
    metadata,
    Column("id", String(300), primary_key=True),
    Column("session_id", String(64), nullable=False, index=True),
    Column("visit_id", String(64), nullable=False),
    Column("site_id", String(64), nullable=False, index=True),
    Column("technician_id", String(64), nullable=False),
    Column("asset_id", String(64), nullable=False),
    Column("kpi", String(64), nullable=False),
    Column("day", Integer, nullable=False),
    Column("before", Float),
    Column("after", Float),
    Column("since", Float),
    Column("verdict", String(16), nullable=False),
    Column("insight_id", String(64)),
    Column("checked_at", Float, nullable=False),
)


def check_held(database: Any, now: float) -> int:
    """7 and 30 days after each completed session, each KPI the session improved against
    the telemetry since: held or regressed (a regression opens an insight). Each check is
    made once; returns how many were made."""
    from concierge.insights.text import regressed_headline
    from concierge.session.kpi import compare, judge, window_kpi
    from concierge.session.model import SessionDoc
    from concierge_office.changes import record_changes
    from concierge_office.engine import HELD_KEY_PREFIX, insight_id
    from concierge_office.series import read_series

    s, v, h = db.sessions, db.visits, held_checks
    made = 0
    with database.write() as conn:
        rows = conn.execute(
            select(s.c.id, s.c.data, s.c.completed_at, v.c.id.label("visit_id"), v.c.site_id,
                   v.c.technician_id, v.c.asset_ids)
            .join(v, v.c.id == s.c.visit_id)
            .where(s.c.status == "completed", s.c.completed_at.is_not(None),
                   s.c.completed_at >= now - (max(HOLD_DAYS) + 7) * DAY,
                   s.c.completed_at <= now - min(HOLD_DAYS) * DAY)
        ).all()
        done = {r for (r,) in conn.execute(select(h.c.id).where(
            h.c.session_id.in_([r.id for r in rows])))} if rows else set()
        kinds = dict(conn.execute(select(db.assets.c.id, db.assets.c.kind)).all())
        changed: list[tuple[tuple[str, str], int]] = []
        for r in rows:
            try:
                doc = SessionDoc.model_validate(r.data if isinstance(r.data, dict) else {})
            except ValidationError:
                continue
            improved = [c for c in compare(doc, {a: kinds[a] for a in r.asset_ids or []
                                                 if a in kinds})
                        if c.verdict == "improved" and c.before is not None]
            for day in HOLD_DAYS:
                end = r.completed_at + day * DAY
                if end > now:
                    continue
                for c in improved:
                    key = f"{r.id}:{day}:{c.asset_id}:{c.kpi.key}"[:300]
                    if key in done:
                        continue
                    series = read_series(database, conn, [c.asset_id], start=r.completed_at,
                                         end=end, bucket=HOLD_BUCKET, metric=c.kpi.metric)
                    cols = series.get((c.asset_id, c.kpi.metric))
                    since = None
                    if cols is not None and cols.t:
                        since = window_kpi(c.kpi, c.asset_id, cols.t, cols.mean,
                                           start=r.completed_at, end=end).value
                    assert c.before is not None
                    verdict = ("no data" if since is None else
                               "held" if judge(c.kpi, c.before, since) == "improved"
                               else "regressed")
                    insight = None
                    if verdict == "regressed":
                        insight = insight_id(HELD_KEY_PREFIX + key)
                        headline = regressed_headline(c.kpi)
                        conn.execute(db.insights.insert().values(
                            id=insight, key=HELD_KEY_PREFIX + key, asset_id=c.asset_id,
                            site_id=r.site_id, metric=c.kpi.metric, kind="deviation",
                            severity="warning", confidence=0.8, predicted_impact_at=None,
                            evidence={"before": c.before, "after": c.after, "since": since,
                                      "days_after_visit": day},
                            explanation=f"{c.kpi.label} improved at the visit but has "
                                        f"regressed {day} days later.",
                            headline=headline.text, headline_code=headline.coded(),
                            status="open", created_at=now, updated_at=now, version=1))
                        changed.append((("insight", insight), 1))
                    conn.execute(h.insert().values(
                        id=key, session_id=r.id, visit_id=r.visit_id, site_id=r.site_id,
                        technician_id=r.technician_id, asset_id=c.asset_id, kpi=c.kpi.key,
                        day=day, before=c.before, after=c.after, since=since,
                        verdict=verdict, insight_id=insight, checked_at=now))
                    made += 1
        record_changes(database, conn, changed)
    return made


def technician_load(conn: Connection, start: float, end: float) -> list[dict[str, Any]]:
    """Per technician in ``start..end``: visits by status and hours on site (from the
    sessions' start to completion), to plan fairly."""
    v, s = db.visits, db.sessions
    out: dict[str, dict[str, Any]] = {}
    for technician, status in conn.execute(
            select(v.c.technician_id, v.c.status)
            .where(v.c.window_start < end, v.c.window_end >= start)).all():
        row = out.setdefault(technician, {"technician_id": technician, "visits": 0,
                                          "completed": 0, "hours_on_site": 0.0})
        row["visits"] += 1
        row["completed"] += status == "completed"
    for technician, started, completed in conn.execute(
            select(s.c.technician_id, s.c.started_at, s.c.completed_at)
            .where(s.c.status == "completed", s.c.completed_at >= start,
                   s.c.completed_at < end)).all():
        row = out.setdefault(technician, {"technician_id": technician, "visits": 0,
                                          "completed": 0, "hours_on_site": 0.0})
        row["hours_on_site"] += max((completed or started) - started, 0.0) / 3600.0
    for row in out.values():
        row["hours_on_site"] = round(row["hours_on_site"], 2)
    return sorted(out.values(), key=lambda r: r["technician_id"])
