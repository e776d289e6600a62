"""The local store on its own: file, schema, outbox rules, autosave speed."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from concierge.store import Store, StoreError, jsonutil
from tests.sync.conftest import Laptop


def test_file_is_private_wal_with_foreign_keys_and_versioned(tmp_path: Path) -> None:
    path = tmp_path / "s" / "concierge.sqlite3"
    with Store.open(path, tmp_path / "s" / "att") as store:
        store.add_attachment(b"x", "text/plain")
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
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
    store._db.connection().set_trace_callback(statements.append)
    for n in range(1, 301):
        statements.clear()
        documents.clear()
        store.save_session(_session(visit_id, f"step {n}"))
        writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
        assert len(documents) == 1  # one serialisation for the record and its outbox payload
        assert len(writes) == 2  # the record and the one unsent op it folds into
        assert "PRAGMA synchronous=NORMAL" in statements  # autosave: no fsync per keystroke
    store._db.connection().set_trace_callback(None)
    assert store.status().pending_ops == 1
    saved = store.load_session(visit_id)
    assert saved is not None and saved["step"] == "step 300" and saved["data"]["notes"] == "x" * 2000
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


def test_session_with_invalid_fields_is_refused(laptop: Laptop) -> None:
    laptop.sync()
    store = laptop.store
    visit_id = store.visit_rows()[0].id
    with pytest.raises(ValueError, match="status"):
        store.save_session({**_session(visit_id, "x"), "status": "exploded"})
    with pytest.raises(ValueError, match="data"):
        store.save_session({**_session(visit_id, "x"), "data": ["not", "an", "object"]})
    assert store.load_session(visit_id) is None
