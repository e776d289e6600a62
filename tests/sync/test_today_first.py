"""Today's work first (#17): the evidence of today's and tomorrow's visits is fetched
before the rest, and the sync says when the board is usable (phase "history")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from concierge.sync import SyncOptions, SyncProgress
from tests.sync.conftest import BULK_TECH, Laptop, Office


def _end_of_tomorrow() -> datetime:
    today = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=2)


def test_evidence_of_today_and_tomorrow_comes_before_the_rest(
    office: Office, laptop_factory: Callable[..., Laptop]
) -> None:
    laptop = laptop_factory(office, BULK_TECH, options=SyncOptions(telemetry_assets_per_request=1))
    replication = laptop.store.replication
    seen: list[tuple[str, bool, set[str]]] = []

    def note(progress: SyncProgress) -> None:
        fetched = set(replication.telemetry_fetched_until(0))
        seen.append((progress.phase, progress.board_ready, fetched))

    laptop.engine.events.progress.connect(note)
    assert laptop.sync().ok
    near = set(replication.near_telemetry_assets(_end_of_tomorrow()))
    later = set(replication.telemetry_assets()) - near
    assert near and later  # the account has both, so the order can show

    phases = [phase for phase, _, _ in seen]
    assert phases.index("pull") < phases.index("telemetry") < phases.index("history")
    assert phases[-1] == "history"
    first_history = next(i for i, (phase, _, _) in enumerate(seen) if phase == "history")
    ready_with = seen[first_history][2]
    assert near <= ready_with and not later & ready_with  # today's work complete, rest not yet
    assert all(ready for phase, ready, _ in seen if phase == "history")
    assert not any(ready for phase, ready, _ in seen if phase != "history")
    assert later <= set(replication.telemetry_fetched_until(0))  # and then the rest came
