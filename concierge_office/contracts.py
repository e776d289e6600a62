# SPDX-License-Identifier: Apache-2.0
"""Office-wide contract settings that reach every laptop.

The office's configured phone stands in for a site contract naming none (the report's
"who to call", the goodwill fallback); it is filled into each site record as it is served.
A laptop holds the site as last pulled, so when the configured phone changes the office
publishes those sites again at startup: every laptop's next sync brings the new phone,
whichever version it runs (nothing new on the wire).
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from concierge_office import db
from concierge_office.changes import Key, record_changes
from concierge_office.db import Database

log = logging.getLogger(__name__)

SERVED_PHONE_KEY = "office_phone_served"  # meta: the phone the sites were last served with


def reissue_sites_for_office_phone(database: Database, office_phone: str) -> int:
    """Publish again every site whose contract takes the office's phone, when the configured
    phone differs from the one they were served with; how many were published."""
    with database.write() as conn:
        served = db.meta_get(conn, SERVED_PHONE_KEY) or ""
        if served == office_phone:
            return 0
        s = db.sites
        rows = conn.execute(select(s.c.id, s.c.version, s.c.contract).order_by(s.c.id)).all()
        changes: list[tuple[Key, int]] = [
            (("site", row.id), int(row.version)) for row in rows
            if not (isinstance(row.contract, dict) and row.contract.get("office_phone"))]
        record_changes(database, conn, changes)
        db.meta_set(database, conn, SERVED_PHONE_KEY, office_phone)
    if changes:
        log.info("The office phone changed: %d sites are sent again at the next sync",
                 len(changes))
    return len(changes)
