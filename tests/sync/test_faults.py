"""A hostile network: faults on ≥30 % of requests, an interrupted pull, expiring tokens."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from concierge.api.retry import RetryPolicy
from concierge.auth import KeyringTokenStore
from concierge.sync import SyncOptions, SyncProgress
from concierge_office.db import Database
from tests.sync.conftest import BULK_TECH, Laptop, Office, local_visits
from tests.sync.proxy import FaultProxy, random_faults

FAST_RETRY = RetryPolicy(attempts=4, base=0.05, cap=0.5)


@pytest.fixture
def proxy(office: Office) -> FaultProxy:
    with FaultProxy(office.url) as p:
        yield p  # type: ignore[misc]


def served_session(visit_id: str) -> dict[str, Any]:
    """A completed session with a wish not solved, a low rating, two goodwill requests
    and two requests for help from the field."""
    now = datetime.now(UTC)
    goodwill = [{"id": f"gw-{n}", "text": f"Garage door {n}", "kind": "goodwill",
                 "minutes": minutes, "status": status, "at": now.isoformat()}
                for n, minutes, status in ((1, 20.0, "done"), (2, 40.0, "pending"))]
    return {"id": f"ses-served-{visit_id}", "visit_id": visit_id, "status": "completed",
            "step": "report", "attachments": [], "started_at": now, "completed_at": now,
            "data": {"wishes": {"items": [{"id": "w-1", "text": "Quieter doors",
                                           "answer": "not_yet"}]},
                     "rating": 2, "goodwill": goodwill,
                     "help": [{"id": f"help-{kind}", "kind": kind, "note": "A hand",
                               "reason": "Emergency" if kind == "handover" else "",
                               "at": now.isoformat()} for kind in ("expert", "handover")]}}


def test_sync_converges_through_injected_faults(
    office: Office, proxy: FaultProxy, laptop_factory: Callable[..., Laptop]
) -> None:
    laptop = laptop_factory(office, BULK_TECH, url=proxy.url,
                            options=SyncOptions(batch_size=7, page_size=9))
    laptop.client.retry = FAST_RETRY
    proxy.choose_fault = random_faults(0.5, seed=11)
    for _ in range(30):
        if laptop.sync().ok:
            break
    visits = sorted(local_visits(laptop.store))[:30]
    notes = {}
    for n in range(90):
        notes[visits[n % 30]] = f"offline note {n}"
        laptop.store.update_visit(visits[n % 30], technician_notes=notes[visits[n % 30]])
    served = served_session(visits[0])  # wishes and goodwill ride the same outbox
    laptop.store.save_session(served)
    for visit_id in sorted(set(local_visits(laptop.store)) - set(visits))[:10]:
        office.patch_visit(visit_id, office_notes="changed in the office")
    results = [laptop.sync() for _ in range(3)]
    while not results[-1].ok and len(results) < 40:
        results.append(laptop.sync())
    assert results[-1].ok, [r.error for r in results]
    faults = [o.split()[-1] for _, _, o in proxy.log if o not in ("200", "201")]
    assert len(faults) >= 0.3 * len(proxy.log), (len(faults), len(proxy.log))
    assert set(faults) == {"reset", "500", "503", "429", "truncate", "latency"}
    ops = office.admin_get("/admin/ops")["ops"]
    assert len(ops) == 91 and all(o["applied_changes"] == 1 for o in ops)
    goodwill = [g for g in office.admin_get("/admin/serve/goodwill")
                if g["session_id"] == served["id"]]
    assert sorted((g["request_id"], g["status"]) for g in goodwill) == [
        ("gw-1", "done"), ("gw-2", "pending")]
    asked = [h for h in office.admin_get("/admin/serve/help") if h["session_id"] == served["id"]]
    assert sorted((h["request_id"], h["status"]) for h in asked) == [
        ("help-expert", "pending"), ("help-handover", "pending")]  # each once
    tasks = [t for t in office.admin_get("/admin/serve/tasks")
             if t["session_id"] == served["id"]]
    assert sorted(t["kind"] for t in tasks) == ["call_back", "wish_follow_up"]
    server = office.server_visits(BULK_TECH)
    assert local_visits(laptop.store) == server
    assert all(server[v]["technician_notes"] == note for v, note in notes.items())
    assert laptop.store.status().pending_ops == 0


def test_interrupted_pull_resumes_at_the_next_page(
    office: Office, proxy: FaultProxy, laptop_factory: Callable[..., Laptop]
) -> None:
    laptop = laptop_factory(office, BULK_TECH, url=proxy.url, options=SyncOptions(page_size=10))
    laptop.client.retry = RetryPolicy(attempts=1)
    served = 0

    def offline_after_three_pages(method: str, path: str) -> str | None:
        nonlocal served
        if path == "/v1/sync/changes":
            served += 1
        return "reset" if served > 3 else None

    proxy.choose_fault = offline_after_three_pages
    first = laptop.sync()
    assert not first.ok and first.offline and "network" in (first.error or "")
    replies = [(parse_qs(urlsplit(p).query), json.loads(body))
               for p, body in proxy.replies if p.startswith("/v1/sync/changes")]
    assert first.pulled == sum(len(page["changes"]) for _, page in replies) > 0
    proxy.choose_fault = lambda method, path: None
    assert laptop.sync().ok
    # today's work (the near pull), then the rest of the snapshot: each a chain of pages
    # begun once and resumed where it stopped, each page asked for exactly once, in order
    chains: dict[str, list[tuple[str | None, dict[str, Any]]]] = {}
    for query, page in ((q, b) for q, b in (
            (parse_qs(urlsplit(p).query), json.loads(body))
            for p, body in proxy.replies if p.startswith("/v1/sync/changes"))):
        kind = "rest" if "skip" in query else "near" if "near_from" in query else "later"
        chains.setdefault(kind, []).append((query.get("cursor", [None])[0], page))
    assert len(chains["near"]) + len(chains["rest"]) > 3  # it stopped inside the first sync
    for kind in ("near", "rest"):
        assert chains[kind][0][0] is None
        for (_, previous), (cursor, _) in itertools.pairwise(chains[kind]):
            assert cursor == previous["cursor"]
    pulled = [c["seq"] for pages in chains.values() for _, page in pages
              for c in page["changes"]]
    assert len(pulled) == len(set(pulled))
    assert local_visits(laptop.store) == office.server_visits(BULK_TECH)


@pytest.mark.keyring
def test_token_expiry_mid_sync_recovers(
    office: Office, laptop_factory: Callable[..., Laptop]
) -> None:
    laptop = laptop_factory(office, BULK_TECH, tokens=KeyringTokenStore(),
                            options=SyncOptions(page_size=10))
    before = laptop.account.access_token()
    expired = []

    def expire_all_access_tokens(progress: SyncProgress) -> None:
        if progress.phase in ("pull", "history") and progress.done >= 20 and not expired:
            database = Database(office.database_url)
            try:
                with database.write() as conn:
                    expired.append(conn.exec_driver_sql(
                        "UPDATE tokens SET expires_at = 0 WHERE kind = 'access'").rowcount)
            finally:
                database.dispose()

    laptop.engine.events.progress.connect(expire_all_access_tokens)
    result = laptop.sync()
    assert result.ok, result.error
    assert expired and expired[0] >= 1
    after = laptop.account.access_token()
    assert after and after != before
    assert KeyringTokenStore().load(f"{BULK_TECH}@{office.url}").access_token == after  # type: ignore[union-attr]
    assert local_visits(laptop.store) == office.server_visits(BULK_TECH)
