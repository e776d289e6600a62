"""Today's work first, visit records too (#17 item 3): a first sync pulls the visits of
today and tomorrow (and overdue ones) with what they reference, then the rest of the
snapshot without what it already sent; each page is checkpointed as it is stored."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from concierge.api.retry import RetryPolicy
from concierge.store.board import ACTIVE_STATUSES
from concierge.sync import SyncOptions, SyncProgress
from tests.sync.conftest import BULK_TECH, Laptop, Office, local_visits
from tests.sync.proxy import FaultProxy

PULL = "/v1/sync/changes"


@pytest.fixture
def proxy(office: Office) -> FaultProxy:
    with FaultProxy(office.url) as p:
        yield p  # type: ignore[misc]


def _today() -> datetime:
    return datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)


def _near(visits: dict[str, dict[str, Any]], end: datetime | None = None) -> set[str]:
    """The visits of today and tomorrow (or up to ``end``), and open ones before them."""
    start, end = _today(), end or _today() + timedelta(days=2)
    return {ident for ident, v in visits.items()
            if datetime.fromisoformat(v["window_start"]) < end
            and (datetime.fromisoformat(v["window_end"]) >= start
                 or v["status"] in ACTIVE_STATUSES)}


def _pulls(proxy: FaultProxy) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(path).query) for path, _ in proxy.replies if path.startswith(PULL)]


def _near_end(proxy: FaultProxy) -> datetime:
    """The window the office fixed on the near pull's first page."""
    first = next(json.loads(body) for path, body in proxy.replies
                 if path.startswith(PULL) and "near_from" in path)
    assert first["scope"] == "near"
    return datetime.fromisoformat(first["near_until"])


def _delivered(proxy: FaultProxy) -> list[tuple[str, str]]:
    return [(c["entity"], c["id"]) for path, body in proxy.replies if path.startswith(PULL)
            for c in json.loads(body)["changes"]]


def test_the_board_has_today_and_tomorrow_before_the_rest_arrives(
    office: Office, proxy: FaultProxy, laptop_factory: Callable[..., Laptop]
) -> None:
    laptop = laptop_factory(office, BULK_TECH, url=proxy.url, options=SyncOptions(page_size=5))
    server = office.server_visits(BULK_TECH)
    near = _near(server)
    assert near and len(near) < len(server)  # the account has both, so the order can show
    at_ready: list[Any] = []

    def note(progress: SyncProgress) -> None:
        if progress.board_ready and not at_ready:
            at_ready.extend(laptop.store.visit_rows())

    laptop.engine.events.progress.connect(note)
    assert laptop.sync().ok
    near = _near(server, _near_end(proxy))  # the window may reach the next working days
    assert len(near) < len(server)
    ready = {row.id for row in at_ready}
    assert near <= ready  # today's work, each with its site (the board joins it) ...
    assert all(row.customer_name for row in at_ready)
    assert len(ready) < len(server)  # ... before the rest of the visits arrived
    assert local_visits(laptop.store) == server  # then all of it, nothing lost
    delivered = _delivered(proxy)
    assert len(delivered) == len(set(delivered))  # and nothing sent twice
    assert laptop.store.replication.near_pull() is None
    assert laptop.sync().ok and laptop.sync().pulled == 0  # incremental from here on


def test_a_first_sync_stopped_in_the_near_pull_resumes_there(
    office: Office, proxy: FaultProxy, laptop_factory: Callable[..., Laptop]
) -> None:
    laptop = laptop_factory(office, BULK_TECH, url=proxy.url, options=SyncOptions(page_size=2))
    laptop.client.retry = RetryPolicy(attempts=1)
    served = 0

    def reset_after_two_pages(method: str, path: str) -> str | None:
        nonlocal served
        served += path == PULL
        return "reset" if served > 2 else None

    proxy.choose_fault = reset_after_two_pages
    assert not laptop.sync().ok
    stopped = laptop.store.replication.near_pull()
    assert stopped is not None and stopped.cursor is not None and stopped.skip is None
    assert laptop.store.replication.cursor() is None
    server = office.server_visits(BULK_TECH)
    with sqlite3.connect(laptop.store.path) as db:  # the two pages are stored
        kept = db.execute("SELECT entity, id FROM records").fetchall()
    assert len(kept) == 4
    assert {ident for entity, ident in kept if entity == "visit"} <= _near(server, stopped.end)
    proxy.choose_fault = lambda method, path: None
    before = len(_pulls(proxy))
    assert laptop.sync().ok
    resumed = _pulls(proxy)[before:]
    assert resumed[0]["cursor"] == [stopped.cursor] and "near_from" in resumed[0]
    assert local_visits(laptop.store) == office.server_visits(BULK_TECH)


def test_a_visit_moved_into_today_during_the_near_pull_is_not_lost(
    office: Office, proxy: FaultProxy, laptop_factory: Callable[..., Laptop]
) -> None:
    laptop = laptop_factory(office, BULK_TECH, url=proxy.url, options=SyncOptions(page_size=5))
    server = office.server_visits(BULK_TECH)
    far = sorted(set(server) - _near(server))[0]
    served = 0

    def move_during_the_near_pull(method: str, path: str) -> str | None:
        nonlocal served
        served += path == PULL
        if served == 2:
            start = _today() + timedelta(hours=15)
            office.patch_visit(far, window_start=start.isoformat(),
                               window_end=(start + timedelta(hours=1)).isoformat())
        return None

    proxy.choose_fault = move_during_the_near_pull
    assert laptop.sync().ok
    assert local_visits(laptop.store) == office.server_visits(BULK_TECH)
    rows = laptop.store.visit_rows()
    assert far in {row.id for row in rows} and all(row.customer_name for row in rows)


def test_against_an_office_without_near_pulls_the_first_sync_pulls_in_its_order(
    office: Office, proxy: FaultProxy, laptop_factory: Callable[..., Laptop]
) -> None:
    proxy.drop_params = frozenset({"near_from", "near_until", "skip"})  # an older office
    laptop = laptop_factory(office, BULK_TECH, url=proxy.url, options=SyncOptions(page_size=50))
    assert laptop.sync().ok
    assert local_visits(laptop.store) == office.server_visits(BULK_TECH)
    assert laptop.store.replication.near_pull() is None
    starts = [q for q in _pulls(proxy) if "cursor" not in q]
    assert len(starts) == 1  # its answer to the near request is its first page: none wasted
    assert laptop.sync().ok and laptop.sync().pulled == 0


def test_a_near_window_without_two_days_of_work_reaches_the_next_working_days(
    office: Office
) -> None:
    """On a free day (a weekend, say) the first screen is the next two days with work."""
    server = office.server_visits(BULK_TECH)
    opened = sorted(datetime.fromisoformat(v["window_start"]) for v in server.values()
                    if v["status"] in ACTIVE_STATUSES)
    start = opened[0].replace(minute=0, second=0, microsecond=0) - timedelta(days=3)
    asked = start + timedelta(hours=1)  # nothing to do in it
    with office.session(BULK_TECH) as session:
        reply = session.get(f"{office.url}/v1/sync/changes", timeout=10, params={
            "limit": 1000, "near_from": start.isoformat(), "near_until": asked.isoformat()})
    reply.raise_for_status()
    page = reply.json()
    end = datetime.fromisoformat(page["near_until"])
    days = {(t - start).days for t in opened if t < end}
    assert page["scope"] == "near" and end > asked and len(days) == 2
    sent = {c["id"] for c in page["changes"] if c["entity"] == "visit"}
    assert {ident for ident, v in server.items()
            if v["status"] in ACTIVE_STATUSES
            and datetime.fromisoformat(v["window_start"]) < end} <= sent


@pytest.mark.parametrize(("params", "status"), [
    ({"near_from": "2026-01-02T00:00:00+00:00"}, 400),  # half a window
    ({"near_from": "2026-01-02T00:00:00+00:00", "near_until": "2026-01-01T00:00:00+00:00"}, 400),
    ({"near_from": "2026-01-01T00:00:00", "near_until": "2026-01-02T00:00:00"}, 422),  # no zone
    ({"skip": "c2VxOjE"}, 400),  # skip without its window
    ({"near_from": "2026-01-01T00:00:00+00:00", "near_until": "2026-01-02T00:00:00+00:00",
      "skip": "garbage"}, 400),
    ({"near_from": "0001-01-01T00:00:00+14:00", "near_until": "2026-01-02T00:00:00+00:00"}, 422),
    ({"near_from": "2199-12-31T00:00:00+00:00", "near_until": "2199-12-31T23:00:00+00:00"}, 200),
])
def test_a_near_pull_with_bad_input_gets_a_clear_error_never_a_5xx(
    office: Office, params: dict[str, str], status: int
) -> None:
    with office.session(BULK_TECH) as session:
        reply = session.get(f"{office.url}/v1/sync/changes", params=params, timeout=10)
    assert reply.status_code == status, reply.text
    if status != 200:
        assert reply.json()["error"]["code"]


def test_a_first_sync_fetches_each_assets_telemetry_once(
    office: Office, laptop_factory: Callable[..., Laptop]
) -> None:
    """The near part's assets are not fetched again with the rest (a chunk of the rest
    that mixed them with others used to fetch them all a second time)."""
    laptop = laptop_factory(office, BULK_TECH, options=SyncOptions(page_size=50))
    requested: Counter[tuple[str, int]] = Counter()
    fetch = laptop.client.telemetry_windows

    def counting(request: Any) -> Any:
        requested.update((asset, request.bucket_seconds) for asset in request.asset_ids)
        return fetch(request)

    laptop.client.telemetry_windows = counting  # type: ignore[method-assign]
    assert laptop.sync().ok
    assert requested and max(requested.values()) == 1, requested.most_common(3)
