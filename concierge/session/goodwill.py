# SPDX-License-Identifier: Apache-2.0
"""Saying yes beyond the contract (#19.2): goodwill within the contract's allowance is the
technician's call, offline; above it the request waits for the office.

The allowance counts what is spent or promised: goodwill done, approved, and pending
requests (a pending request reserves its amount until the office declines it), per visit
and per calendar year at the site, across every session the laptop knows of. The office
checks the year again across every device when the sessions arrive."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from concierge.protocol import schemas
from concierge.session.model import Allowance, GoodwillRequest

MAX_MINUTES = 24 * 60.0  # more than a day of goodwill in one request is a typing error
MAX_MONEY = 100_000.0
COUNTED: frozenset[str] = frozenset({"done", "pending", "approved"})


@dataclass(frozen=True)
class Spent:
    minutes: float = 0.0
    money: float = 0.0

    def plus(self, minutes: float, money: float) -> Spent:
        return Spent(self.minutes + minutes, self.money + money)


def spent(requests: Iterable[GoodwillRequest]) -> Spent:
    """What counts against the allowance: goodwill done, approved or pending."""
    total = Spent()
    for r in requests:
        if r.kind == "goodwill" and r.status in COUNTED:
            total = total.plus(r.minutes, r.money)
    return total


def allowance_of(site: schemas.Site | None) -> Allowance:
    """The goodwill allowance of a site's contract (the standard one without a contract)."""
    if site is None or site.contract is None:
        return Allowance()
    return Allowance.model_validate(site.contract.allowance.model_dump())


def valid_amount(value: float, limit: float) -> bool:
    return math.isfinite(value) and 0.0 <= value <= limit


def within(allowance: Allowance, visit: Spent, year: Spent, minutes: float,
           money: float) -> bool:
    """True when ``minutes`` and ``money`` more stay within the visit's and the year's
    allowance (both must hold)."""
    eps = 1e-9
    return (visit.minutes + minutes <= allowance.minutes_per_visit + eps
            and visit.money + money <= allowance.money_per_visit + eps
            and year.minutes + minutes <= allowance.minutes_per_year + eps
            and year.money + money <= allowance.money_per_year + eps)


GIVEN: frozenset[str] = frozenset({"done", "approved"})


def reconcile(allowance: Allowance, year: Iterable[GoodwillRequest]) -> set[str]:
    """The office's check across devices: walking a site's goodwill of one year in the
    order it was given, the ids of goodwill done without approval that took the year over
    its allowance (each then needs the office's approval).

    Only what was given counts here (done or approved). A pending request reserves its
    amount on the laptop that recorded it, but it is not spent and already waits for the
    office; counting it would flag goodwill that laptop gave within the allowance before
    the request existed whenever the two times tie or the laptop's clock went back."""
    total = Spent()
    over: set[str] = set()
    for r in sorted(year, key=lambda r: (r.at, r.id)):
        if r.kind != "goodwill" or r.status not in GIVEN:
            continue
        fits = (total.minutes + r.minutes <= allowance.minutes_per_year + 1e-9
                and total.money + r.money <= allowance.money_per_year + 1e-9)
        if r.status == "done" and not fits:
            over.add(r.id)
            continue
        total = total.plus(r.minutes, r.money)
    return over
