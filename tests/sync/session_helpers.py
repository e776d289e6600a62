# SPDX-License-Identifier: Apache-2.0
"""Laptop-side session steps the sync tests share: the first open visit, a completion."""

from __future__ import annotations

from concierge.session.engine import SessionEngine
from concierge.store import Store


def first_open_visit(store: Store) -> str:
    """The first proposed or scheduled visit with assets (one a session can run on)."""
    return next(r.id for r in store.visit_rows()
                if r.status in ("proposed", "scheduled") and r.asset_count)


def complete(engine: SessionEngine, skip_reason: str) -> None:
    """Complete the session: open required items skipped with ``skip_reason``, signed."""
    for item in engine.doc.checklist:
        if item.required and engine.doc.result(item.id).status == "open":
            engine.skip(item.id, skip_reason)
    engine.set_presence(False, [])
    engine.sign_off("Ana")
    engine.complete(b"%PDF-1.4 report")
