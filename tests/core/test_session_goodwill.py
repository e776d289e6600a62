"""#19.2 the goodwill allowance: within it the technician says yes offline, above it the
office decides; across devices and offline edits the allowance is never overspent unnoticed."""

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from concierge.session import goodwill
from concierge.session.engine import SessionEngine, SessionError
from concierge.session.goodwill import Spent, reconcile, spent, within
from concierge.session.model import Allowance, GoodwillRequest
from tests.core.session_factories import NOW_DT, seeded_store

ALLOWANCE = Allowance(minutes_per_visit=30, money_per_visit=50, minutes_per_year=90,
                      money_per_year=120)
amount = st.floats(min_value=0, max_value=60, allow_nan=False, allow_infinity=False)
# (device, visit on that device, minutes, money, minutes after the first)
ops = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3), amount, amount,
                         st.integers(0, 10_000)), max_size=30)


@settings(max_examples=300, deadline=None)
@given(ops)
# one laptop: material given within the year (r9), then requests above the visit's
# allowance wait (r10, r11) - at the same instant, or with the laptop's clock set back;
# what waits for the office never makes the office flag what was given before it
@example([(0, 2, 0.0, 0.0, 0)] * 9 + [(0, 0, 0.0, 50.0, 0), (0, 1, 0.0, 60.0, 0),
                                      (0, 3, 0.0, 60.0, 0)])
@example([(0, 0, 0.0, 50.0, 500), (0, 1, 0.0, 60.0, 0), (0, 2, 0.0, 60.0, 0)])
def test_offline_devices_never_overspend_unnoticed(operations) -> None:  # type: ignore[no-untyped-def]
    """Each device decides offline from what it knows (its own visits); the office then
    reconciles the year across all devices. What stands without approval always fits."""
    mine: dict[int, list[GoodwillRequest]] = {0: [], 1: [], 2: []}
    for n, (device, visit, minutes, money, later) in enumerate(operations):
        known = mine[device]
        this_visit = [r for r in known if r.note == f"{device}/{visit}"]
        ok = within(ALLOWANCE, spent(this_visit), spent(known), minutes, money)
        known.append(GoodwillRequest(
            id=f"r{n}", text="x", kind="goodwill", minutes=minutes, money=money,
            note=f"{device}/{visit}", status="done" if ok else "pending",
            at=NOW_DT + timedelta(minutes=later)))
        done_here = spent(r for r in known if r.note == f"{device}/{visit}" and r.status == "done")
        assert done_here.minutes <= 30 + 1e-6 and done_here.money <= 50 + 1e-6  # per visit
    everything = [r for rs in mine.values() for r in rs]
    over = reconcile(ALLOWANCE, everything)
    standing = [r for r in everything if r.status == "done" and r.id not in over]
    total = spent(standing)
    assert total.minutes <= ALLOWANCE.minutes_per_year + 1e-6
    assert total.money <= ALLOWANCE.money_per_year + 1e-6
    # nothing within the allowance on one device alone is flagged when no other device spent
    if all(not mine[d] for d in (1, 2)):
        assert over == set()


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_amounts_are_finite_and_bounded(value: float) -> None:
    ok = goodwill.valid_amount(value, goodwill.MAX_MINUTES)
    assert ok == (math.isfinite(value) and 0 <= value <= goodwill.MAX_MINUTES)


def test_within_then_above_the_allowance(tmp_path: Path) -> None:
    store = seeded_store(tmp_path)
    e = SessionEngine(store, "visit-1", clock=lambda: NOW_DT)
    assert e.allowance == Allowance()  # the contract's default: 30 min, 50 per visit
    first = e.record_goodwill("Oil the garage door", "goodwill", minutes=20, money=10)
    assert first.status == "done"
    second = e.record_goodwill("Replace the garage door spring", "goodwill", minutes=15)
    assert second.status == "pending"  # 35 minutes > 30 this visit: the office decides
    assert e.goodwill_spent()[0] == Spent(35, 10)  # a pending request reserves its share
    offered = e.record_goodwill("New door opener", "offered", note="Quote please")
    assert (offered.status, offered.minutes) == ("offered", 0.0)
    for bad in (-1.0, float("nan"), float("inf"), 1e9):
        with pytest.raises(SessionError):
            e.record_goodwill("x", "goodwill", minutes=bad)
        with pytest.raises(SessionError):
            e.record_goodwill("x", "goodwill", money=bad)
    with pytest.raises(SessionError):
        e.record_goodwill("Heating", "referred")  # referred needs the reason
    e.decide_goodwill(second.id, True, "Good customer")
    assert e.doc.goodwill[1].status == "approved"
    with pytest.raises(SessionError):
        e.decide_goodwill("gw-unknown", True, "")
    store.close()


def test_reconcile_flags_the_later_of_two_offline_yeses() -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    a = GoodwillRequest(id="a", text="a", kind="goodwill", minutes=80, status="approved", at=at)
    b = GoodwillRequest(id="b", text="b", kind="goodwill", minutes=20, status="done",
                        at=at + timedelta(days=1))
    assert reconcile(ALLOWANCE, [b, a]) == {"b"}


def _with_contract(store: object, allowance: dict[str, float]) -> None:
    from concierge.protocol.schemas import Change, PullResponse
    from tests.core.session_factories import site

    record = site().model_dump(mode="json") | {
        "version": 2, "contract": {"name": "Gold", "office_phone": "+49 30 1234567",
                                   "allowance": allowance}}
    change = Change(entity="site", id="site-1", seq=99, version=2, data=record)
    store.replication.apply_page(  # type: ignore[attr-defined]
        PullResponse(changes=[change], cursor="c2", has_more=False), report_urgent=False)


def test_the_sites_contract_sets_the_allowance_offline(tmp_path: Path) -> None:
    """The office's contract for the site (synced with the site) is what the technician
    may give without asking; the standard allowance would have allowed all of it."""
    store = seeded_store(tmp_path)
    _with_contract(store, {"minutes_per_visit": 60, "money_per_visit": 0,
                           "minutes_per_year": 60, "money_per_year": 0})
    e = SessionEngine(store, "visit-1", clock=lambda: NOW_DT)
    assert e.allowance == Allowance(minutes_per_visit=60, money_per_visit=0,
                                    minutes_per_year=60, money_per_year=0)
    assert e.record_goodwill("Oil the door", "goodwill", minutes=45).status == "done"
    assert e.record_goodwill("More oil", "goodwill", minutes=10).status == "done"
    assert e.record_goodwill("Even more", "goodwill", minutes=10).status == "pending"  # 65 > 60
    assert e.record_goodwill("A new bulb", "goodwill", money=5).status == "pending"  # no money
