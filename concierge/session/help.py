# SPDX-License-Identifier: Apache-2.0
"""Help from the field (#19.4): the office's answers that reached the laptop and that the
technician has not been told of yet (each is told once, across restarts)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import ValidationError

from concierge.session.model import HelpRequest
from concierge.store import Store

TOLD_KEY = "help_answers_told"


@dataclass(frozen=True)
class HelpAnswer:
    visit_id: str
    place: str  # the customer and site, for the notification
    request: HelpRequest


def take_new_answers(store: Store) -> list[HelpAnswer]:
    """The answered help requests not told yet; they count as told from now on."""
    told = set(json.loads(store.replication.meta(TOLD_KEY) or "[]"))
    new: list[HelpAnswer] = []
    for visit_id, items in store.session_items("help"):
        for raw in items:
            try:
                request = HelpRequest.model_validate(raw)
            except ValidationError:
                continue
            if request.status == "pending" or request.id in told:
                continue
            visit = store.visit(visit_id)
            site = store.site(visit.site_id) if visit is not None else None
            place = (site.name if site.name.startswith(site.customer_name)
                     else f"{site.customer_name} · {site.name}") if site else visit_id
            new.append(HelpAnswer(visit_id, place, request))
    if new:
        store.replication.set_meta(TOLD_KEY, json.dumps(
            sorted(told | {a.request.id for a in new})))
    return new
