"""The local store on its own: file, schema, outbox rules, autosave speed."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from concierge.store import Store, StoreError, jsonutil
from concierge.store.schema import MIGRATIONS
from tests.sync.conftest import Laptop, Office


def test_file_is_private_wal_with_foreign_keys_and_versioned(tmp_path: Path) -> None:
    path = tmp_path / "s" / "concierge.sqlite3"
    with Store.open(path, tmp_path / "s" / "att") as store:
        store.add_attachment(b"x", "text/plain")
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        conn.close()
        assert store._db.connection().execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert path.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer version"):
        Store.open(path, tmp_path / "s" / "att")


def _session(visit_id: str, step: str) -> dict[str, object]:
    return {"id": f"ses-{visit_id}", "visit_id": visit_id, "status": "in_progress", "step": step,
            "data": {"notes": "x" * 2000, "step": step}, "attachments": [],
            "started_at": datetime(2026, 1, 1, tzinfo=UTC), "completed_at": None}


def test_in_flight_op_is_never_modified(laptop: Laptop) -> None:
    laptop.sync()
    store = laptop.store
    visit_id = store.visit_rows()[0].id
    store.save_session(_session(visit_id, "wishes"))
    replication = store.replication
    [sent] = replication.take_batch(10, replication.outbox_high_water())
    store.save_session(_session(visit_id, "checklist"))  # a new op, not a change to the sent one
    store.save_session(_session(visit_id, "verify"))  # folded into that new op
    with sqlite3.connect(laptop.store._db.path) as conn:
        rows = conn.execute("SELECT op_id, payload, in_flight FROM outbox ORDER BY seq").fetchall()
    assert len(rows) == 2 and rows[0][0] == sent.op_id and '"wishes"' in rows[0][1]
    assert '"verify"' in rows[1][1] and rows[1][2] == 0
    result = laptop.sync()
    assert result.ok and result.pushed == 2
    assert store.load_session(visit_id)["step"] == "verify"  # type: ignore[index]


def test_local_change_rules(laptop: Laptop) -> None:
    laptop.sync()
    store = laptop.store
    visit_id = store.visit_rows()[0].id
    with pytest.raises(ValueError, match="cannot change office_notes"):
        store.update_visit(visit_id, office_notes="no")
    with pytest.raises(ValueError, match="status"):
        store.update_visit(visit_id, status="exploded")
    with pytest.raises(KeyError):
        store.update_visit("vis-unknown", technician_notes="x")
    assert store.status().pending_ops == 0


def test_session_autosave_serialises_once_and_writes_two_rows(
    laptop: Laptop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The work of one autosave, counted (its speed is benchmarks/bench_session_autosave.py)."""
    laptop.sync()
    store = laptop.store
    visit_id = store.visit_rows()[0].id
    store.save_session(_session(visit_id, "step 0"))
    documents: list[object] = []
    real_dumps = jsonutil.dumps

    def counting_dumps(value: object) -> str:
        if isinstance(value, dict) and "notes" in value:
            documents.append(value)
        return real_dumps(value)

    monkeypatch.setattr(jsonutil, "dumps", counting_dumps)
    statements: list[str] = []
    conn = store._db.connection()
    conn.set_trace_callback(statements.append)
    for n in range(1, 301):
        statements.clear()
        documents.clear()
        changes = conn.total_changes
        store.save_session(_session(visit_id, f"step {n}"))
        assert len(documents) == 1  # one serialisation for the record and its outbox payload
        assert conn.total_changes - changes == 2  # the record, and the unsent op it folds into
        assert "PRAGMA synchronous=NORMAL" in statements  # autosave: no fsync per keystroke
    conn.set_trace_callback(None)
    assert store.status().pending_ops == 1
    saved = store.load_session(visit_id)
    assert saved is not None and saved["step"] == "step 300"
    assert saved["data"]["notes"] == "x" * 2000
    with sqlite3.connect(store._db.path) as conn:
        [(payload,)] = conn.execute("SELECT payload FROM outbox").fetchall()
    assert json.loads(payload)["step"] == "step 300"


def test_completing_a_session_is_durable(laptop: Laptop) -> None:
    laptop.sync()
    store = laptop.store
    visit_id = store.visit_rows()[0].id
    statements: list[str] = []
    store._db.connection().set_trace_callback(statements.append)
    store.save_session({**_session(visit_id, "done"), "status": "completed",
                        "completed_at": datetime(2026, 1, 1, 1, tzinfo=UTC)})
    store._db.connection().set_trace_callback(None)
    assert not any("synchronous" in s for s in statements)


def test_a_completed_session_shows_its_visit_completed_until_the_office_confirms(
    laptop: Laptop,
) -> None:
    laptop.sync()
    store = laptop.store
    visit_id = store.visit_rows()[0].id
    before = store.visit(visit_id)
    assert before is not None and before.status != "completed"
    store.save_session({**_session(visit_id, "report"), "status": "completed",
                        "completed_at": datetime(2026, 1, 1, 1, tzinfo=UTC),
                        "data": {"outcome": "Door motor tuned; cycle time back to 4.1 s"}})
    local = store.visit(visit_id)
    assert local is not None and local.status == "completed"
    assert local.outcome == "Door motor tuned; cycle time back to 4.1 s"
    assert next(r for r in store.visit_rows() if r.id == visit_id).status == "completed"
    assert store.status().pending_ops == 1  # the session only; the office derives the rest
    laptop.sync()
    confirmed = store.visit(visit_id)
    assert confirmed is not None and confirmed.status == "completed"
    assert confirmed.version > before.version
    assert confirmed.outcome == local.outcome
    status = store.status()
    assert (status.pending_ops, status.conflicts, status.rejected) == (0, 0, 0)


def test_session_with_invalid_fields_is_refused(laptop: Laptop) -> None:
    laptop.sync()
    store = laptop.store
    visit_id = store.visit_rows()[0].id
    with pytest.raises(ValueError, match="status"):
        store.save_session({**_session(visit_id, "x"), "status": "exploded"})
    with pytest.raises(ValueError, match="data"):
        store.save_session({**_session(visit_id, "x"), "data": ["not", "an", "object"]})
    assert store.load_session(visit_id) is None


def _board_from_records(store: Store) -> dict[str, tuple[object, ...]]:
    """The board's visit and site fields read straight from the JSON records."""
    with sqlite3.connect(store.path) as conn:
        rows = conn.execute("SELECT entity, id, data FROM records "
                            "WHERE entity IN ('visit', 'site')").fetchall()
    sites = {i: json.loads(d) for e, i, d in rows if e == "site"}
    board = {}
    for entity, ident, text in rows:
        if entity != "visit":
            continue
        visit = json.loads(text)
        site = sites.get(visit["site_id"], {})
        board[ident] = (visit["site_id"], site.get("customer_name", ""), site.get("name", ""),
                        visit["status"], visit["summary"], visit["priority"],
                        len(visit["asset_ids"]), visit["updated_at"])
    return board


def _board(store: Store) -> dict[str, tuple[object, ...]]:
    return {
        r.id: (r.site_id, r.customer_name, r.site_name, r.status, r.summary, r.priority,
               r.asset_count, r.updated_at.isoformat().replace("+00:00", "Z"))
        for r in store.visit_rows()
    }


def test_board_columns_follow_every_write(laptop: Laptop, office: Office) -> None:
    """visit_rows reads trigger-kept columns; they match the records after pulls, local
    changes, conflicts resolved either way, and deletions."""
    laptop.sync()
    store = laptop.store
    assert _board(store) == _board_from_records(store) and len(_board(store)) > 0
    rows = store.visit_rows()
    assert rows == sorted(rows, key=lambda r: (r.priority, r.window_start, r.id))
    first, second = rows[0].id, rows[1].id
    store.update_visit(first, status="in_progress")  # local change: UPDATE of data
    assert _board(store)[first][3] == "in_progress"
    new_priority = 4 if rows[1].priority != 4 else 3
    office.patch_visit(second, priority=new_priority)
    laptop.sync()  # acknowledged push + a pulled upsert
    assert _board(store) == _board_from_records(store)
    assert _board(store)[second][5] == new_priority
    with store._db.write() as conn:  # a tombstone
        conn.execute("DELETE FROM records WHERE entity = 'visit' AND id = ?", (second,))
    assert second not in _board(store) and _board(store) == _board_from_records(store)


def test_board_columns_are_built_for_a_store_made_before_them(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    visit = {"id": "v1", "site_id": "s1", "asset_ids": ["a1"], "window_start":
             "2026-01-01T08:00:00Z", "window_end": "2026-01-01T10:00:00Z", "priority": 2,
             "status": "scheduled", "summary": "Check", "updated_at": "2026-01-01T00:00:00Z"}
    site = {"id": "s1", "customer_name": "Acme", "name": "HQ", "address": "Main St 1"}
    with sqlite3.connect(path) as conn:
        conn.executescript(f"BEGIN;{MIGRATIONS[0]}\nPRAGMA user_version = 1;COMMIT;")
        conn.executemany("INSERT INTO records (entity, id, version, data) VALUES (?, ?, 1, ?)",
                         [("visit", "v1", json.dumps(visit)), ("site", "s1", json.dumps(site))])
    with Store.open(path, tmp_path / "att") as store:
        [row] = store.visit_rows()
    assert (row.id, row.customer_name, row.site_name, row.address, row.asset_count) == (
        "v1", "Acme", "HQ", "Main St 1", 1)
    assert not row.offline_ready  # its asset is not stored
