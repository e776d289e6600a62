"""Hypothesis over the local store: whatever a write accepts, every read serves back."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concierge.protocol import schemas
from concierge.store import Store

VISIT = "vis-fuzz"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                   max_size=3),
    max_leaves=10,
)
moments = st.datetimes(datetime(1970, 1, 2), datetime(2199, 12, 30), timezones=st.just(UTC))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("fuzzed-store")
    with Store.open(folder / "concierge.sqlite3", folder / "att") as opened:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        visit = schemas.Visit(
            id=VISIT, site_id="site-1", technician_id="tech-1", asset_ids=[], insight_ids=[],
            window_start=now, window_end=now.replace(hour=4), priority=2, status="scheduled",
            summary="fuzz", created_at=now, updated_at=now,
        ).model_dump(mode="json")
        page = schemas.PullResponse(changes=[schemas.Change(
            entity="visit", id=VISIT, seq=1, version=1, deleted=False, data=visit)],
            cursor="c1", has_more=False)
        opened.replication.apply_page(page, report_urgent=False)
        yield opened


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def _reads_everything(store: Store) -> None:
    store.visit_rows()
    store.visit(VISIT)
    store.site_history("site-1")
    store.status()
    store.conflicts()
    store.rejected_ops()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=st.dictionaries(st.text(max_size=8), json_values, max_size=4),
       started=moments, step=st.text(max_size=10))
def test_a_saved_session_reads_back(
    store: Store, document: dict[str, Any], started: datetime, step: str
) -> None:
    record = {"id": "ses-fuzz", "visit_id": VISIT, "status": "in_progress", "step": step,
              "data": document, "attachments": [], "started_at": started, "completed_at": None}
    try:
        store.save_session(record)
    except ValueError as refused:  # only NUL is refused (no surrogates are drawn)
        assert "\x00" in repr(document) + step or "\\x00" in repr(document) + step
        assert "NUL" in str(refused) or "step" in str(refused)
        return
    saved = store.load_session(VISIT)
    assert saved is not None and saved["step"] == step and saved["started_at"] == started
    assert _equal(saved["data"], document)
    _reads_everything(store)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notes=st.text(max_size=40))
def test_technician_notes_read_back(store: Store, notes: str) -> None:
    try:
        store.update_visit(VISIT, technician_notes=notes)
    except ValueError as refused:
        assert "\x00" in notes and "technician_notes" in str(refused)
        return
    visit = store.visit(VISIT)
    assert visit is not None and visit.technician_notes == notes
    _reads_everything(store)

