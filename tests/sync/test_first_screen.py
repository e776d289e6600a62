"""The board's first screen, read from the store file before the store opens."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from concierge.store import Store, VisitRow
from concierge.store.board import BOARD_GROUPS, DONE_STATUSES, read_first_screen
from tests.sync.conftest import Laptop


def _group(row: VisitRow, tomorrow: datetime) -> str:
    """The board's rule, written out independently of the SQL."""
    if row.status in DONE_STATUSES:
        return "done"
    return "upcoming" if row.window_start >= tomorrow else "today"


def _complete(store: Store, visit_id: str) -> None:
    now = datetime.now(UTC)
    store.save_session({"id": f"ses-{visit_id}", "visit_id": visit_id, "status": "completed",
                        "step": "report", "data": {"outcome": "Tuned"}, "attachments": [],
                        "started_at": now, "completed_at": now})


def test_first_screen_is_the_first_rows_of_every_group_in_board_order(laptop: Laptop) -> None:
    assert laptop.sync().ok
    store = laptop.store
    _complete(store, store.visit_rows()[-1].id)
    board = store.visit_rows()
    # "Today" ends exactly where a visit starts: that visit is upcoming, as on the board.
    tomorrow = sorted(r.window_start for r in board)[len(board) // 2]
    limit = 2

    screen = read_first_screen(store.path, tomorrow, limit)

    assert screen is not None
    by_group = {g: [r for r in board if _group(r, tomorrow) == g] for g in BOARD_GROUPS}
    assert screen.group_counts == {g: len(rows) for g, rows in by_group.items()}
    assert all(screen.group_counts.values()), "each group has rows in this test"
    first = {r.id for rows in by_group.values() for r in rows[:limit]}
    assert [r.id for r in screen.rows] == [r.id for r in board if r.id in first]
    assert screen.rows == [r for r in board if r.id in first]  # same rows, flags and all
    assert screen.status == store.status()


def test_no_first_screen_without_a_signed_in_store_with_visits(tmp_path: Path,
                                                               laptop: Laptop) -> None:
    tomorrow = datetime.now(UTC)
    assert read_first_screen(tmp_path / "missing.sqlite3", tomorrow, 5) is None
    with Store.open(tmp_path / "fresh.sqlite3", tmp_path / "att") as fresh:
        assert read_first_screen(fresh.path, tomorrow, 5) is None  # nobody signed in
    store = laptop.store
    assert read_first_screen(store.path, tomorrow, 5) is None  # signed in, nothing synced yet
    assert laptop.sync().ok
    assert read_first_screen(store.path, tomorrow, 5) is not None
    older = tmp_path / "older.sqlite3"
    with sqlite3.connect(store.path) as source, sqlite3.connect(older) as copy:
        source.backup(copy)
        copy.execute("PRAGMA user_version = 1")  # a store still to migrate: left to the store
    assert read_first_screen(older, tomorrow, 5) is None
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database" * 100)
    assert read_first_screen(garbage, tomorrow, 5) is None
