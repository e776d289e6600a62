"""Issue #12: sync survives poison input and stuck peers (client and office together)."""

from __future__ import annotations

from collections.abc import Callable

from concierge.sync import SyncOptions
from tests.sync.conftest import Laptop, Office, local_visits


def test_12_1_first_sync_after_purge_completes(
    office_factory: Callable[..., Office], laptop_factory: Callable[..., Laptop]
) -> None:
    office = office_factory(tombstone_retention_seconds=0.0)
    visit_id = sorted(office.server_visits("ana"))[0]
    office.patch_visit(visit_id, status="cancelled")  # a tombstone, purged at once
    assert office.server is not None and office.server.service.purge() > 0
    laptop = laptop_factory(office, options=SyncOptions(page_size=3))  # a snapshot of many pages
    first = laptop.sync()
    assert first.ok, first.error
    assert local_visits(laptop.store) == office.server_visits("ana")
    again = laptop.sync()
    assert again.ok and again.pulled == 0, again.error
