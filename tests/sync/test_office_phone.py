"""The office phone from the configuration reaches every laptop at its next sync: a real
office restarted with a new phone, a real laptop store synced against it."""

from __future__ import annotations

from collections.abc import Callable

from concierge.store import Store
from tests.sync.conftest import Laptop, Office


def _phones(store: Store) -> dict[str, str]:
    phones = {}
    for site_id in {row.site_id for row in store.visit_rows()}:
        site = store.site(site_id)
        assert site is not None
        phones[site_id] = site.contract.office_phone if site.contract else ""
    return phones


def test_a_new_office_phone_reaches_the_laptop_at_its_next_sync(
    office_factory: Callable[..., Office], laptop_factory: Callable[..., Laptop]
) -> None:
    office = office_factory(office_phone="+49 30 111 0")
    laptop = laptop_factory(office)
    assert laptop.sync().ok
    before = _phones(laptop.store)
    assert before and set(before.values()) == {"+49 30 111 0"}

    office.stop()
    office.options["office_phone"] = "+49 30 222 0"
    office.start()
    result = laptop.sync()
    assert result.ok and result.pulled >= len(before)
    assert _phones(laptop.store) == dict.fromkeys(before, "+49 30 222 0")

    office.stop()  # the same phone again: nothing is sent twice
    office.start()
    again = laptop.sync()
    assert again.ok and again.pulled == 0
