"""An interrupted first sync resumes where it stopped (#17): pulled pages and fetched
telemetry windows are checkpointed as they are stored, and nothing is asked for twice."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from concierge.api.retry import RetryPolicy
from concierge.protocol import columns
from concierge.store import Store
from concierge.sync import SyncOptions
from tests.sync.cli_helpers import concierge, sync_until
from tests.sync.conftest import BULK_TECH, Laptop, Office, local_visits
from tests.sync.proxy import FaultProxy

PULL = "/v1/sync/changes"
WINDOWS = "/v1/telemetry/windows"


@pytest.fixture
def proxy(office: Office) -> FaultProxy:
    with FaultProxy(office.url) as p:
        yield p  # type: ignore[misc]


def _cursors(proxy: FaultProxy) -> list[str | None]:
    return [parse_qs(urlsplit(p).query).get("cursor", [None])[0]
            for p, _ in proxy.replies if p.startswith(PULL)]


@pytest.mark.keyring
def test_a_first_sync_killed_mid_pull_resumes_at_its_last_stored_page(
    office: Office, proxy: FaultProxy, tmp_path: Path
) -> None:
    data = tmp_path / "cli"
    concierge(data, "login", "--server", proxy.url, "--user", BULK_TECH)
    small = ("--page-size", "5")
    # today's work came first ("pull"); the kill lands in the rest of the snapshot
    assert sync_until(data, lambda p: p["phase"] == "history" and p["done"] >= 15, *small)
    folder = data / "data"
    with Store.open(folder / "concierge.sqlite3", folder / "attachments") as store:
        stored = store.replication.cursor()
    with sqlite3.connect(folder / "concierge.sqlite3") as db:
        kept = db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    assert stored is not None and kept >= 15
    before = len(_cursors(proxy))
    concierge(data, "sync", "--once", *small)
    resumed = _cursors(proxy)[before:]
    assert resumed[0] == stored  # not from the start
    assert None not in resumed
    with Store.open(folder / "concierge.sqlite3", folder / "attachments") as store:
        assert local_visits(store) == office.server_visits(BULK_TECH)


def test_a_resumed_first_pull_announces_no_urgent_visits_as_new(
    office: Office, proxy: FaultProxy, laptop_factory: Callable[..., Laptop]
) -> None:
    laptop = laptop_factory(office, BULK_TECH, url=proxy.url, options=SyncOptions(page_size=5))
    laptop.client.retry = RetryPolicy(attempts=1)
    served = 0

    def offline_after_two_pages(method: str, path: str) -> str | None:
        nonlocal served
        served += path == PULL
        return "reset" if served > 2 else None

    proxy.choose_fault = offline_after_two_pages
    assert not laptop.sync().ok
    have = set(local_visits(laptop.store))
    later_urgent = [v for v, data in office.server_visits(BULK_TECH).items()
                    if v not in have and data["priority"] == 1
                    and data["status"] in ("scheduled", "in_progress")]
    assert later_urgent  # the rest of the snapshot has urgent visits
    proxy.choose_fault = lambda method, path: None
    result = laptop.sync()
    assert result.ok and result.pulled > 0
    assert result.new_urgent_visit_ids == []  # records of the first sync, not news


def _fetched(proxy: FaultProxy) -> set[tuple[str, int]]:
    """(asset, resolution) of every telemetry window the office delivered."""
    return {(s.asset_id, s.bucket_seconds) for p, body in proxy.replies if p == WINDOWS
            for s in columns.decode_message(body).series}


def test_telemetry_interrupted_mid_first_sync_fetches_only_what_is_missing(
    office: Office, proxy: FaultProxy, laptop_factory: Callable[..., Laptop]
) -> None:
    options = SyncOptions(telemetry_assets_per_request=1, telemetry_in_flight=1)
    laptop = laptop_factory(office, BULK_TECH, url=proxy.url, options=options)
    laptop.client.retry = RetryPolicy(attempts=1)
    windows = 0

    def offline_after_three_windows(method: str, path: str) -> str | None:
        nonlocal windows
        windows += path == WINDOWS
        return "reset" if windows > 3 else None

    proxy.choose_fault = offline_after_three_windows
    assert not laptop.sync().ok
    before = _fetched(proxy)
    assert len(before) == 3
    proxy.choose_fault = lambda method, path: None
    proxy.replies.clear()
    assert laptop.sync().ok
    after = _fetched(proxy)
    assert after and not before & after  # nothing stored before is asked again
    assets = laptop.store.replication.telemetry_assets()
    assert {a for a, bucket in before | after if bucket == 900} == set(assets)
