"""An older laptop still reads a newer office's records (#19.2: adding the contract to the
site once set aside every site on laptops that did not know the field yet): unknown fields
are ignored and kept in the stored copy; a field an older office does not send yet, whose
absence means None, is not a reason to set the record aside."""

from __future__ import annotations

import json
from typing import Any

import pytest

from concierge_office import records
from tests.sync.conftest import Laptop, Office


def test_an_older_laptop_reads_a_newer_offices_records(
    office: Office, laptop: Laptop, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = records.JSON_RECORDS["site"]

    def newer(row: Any) -> dict[str, Any]:  # what a later release of the office may send
        return {**plain(row), "loyalty_tier": "gold", "contract": {
            "name": "Gold", "office_phone": "+49 30 1", "sla_hours": 4,
            "allowance": {"minutes_per_visit": 10.0, "money_per_visit": 0.0,
                          "minutes_per_year": 20.0, "money_per_year": 0.0, "per": "x"}}}

    monkeypatch.setitem(records.JSON_RECORDS, "site", newer)  # type: ignore[index]
    result = laptop.sync()
    assert result.ok, result.error
    assert result.set_aside == 0 and not laptop.store.rejected_ops()
    site_id = laptop.store.visit_rows()[0].site_id
    site = laptop.store.site(site_id)
    assert site is not None and site.contract is not None
    assert site.contract.allowance.minutes_per_year == 20.0
    kept = json.loads(laptop.store._data("site", site_id) or "{}")
    assert kept["loyalty_tier"] == "gold"  # stored as sent: a later app version reads it


def test_a_newer_laptop_reads_an_older_offices_site(
    office: Office, laptop: Laptop, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = records.JSON_RECORDS["site"]

    def older(row: Any) -> dict[str, Any]:  # an office from before contracts
        return {k: v for k, v in plain(row).items() if k != "contract"}

    monkeypatch.setitem(records.JSON_RECORDS, "site", older)  # type: ignore[index]
    result = laptop.sync()
    assert result.ok, result.error
    assert result.set_aside == 0
    site = laptop.store.site(laptop.store.visit_rows()[0].site_id)
    assert site is not None and site.contract is None
