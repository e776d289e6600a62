# SPDX-License-Identifier: Apache-2.0
"""The outbox: local changes queued for the server, pushed in order."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime
from typing import Any

from concierge.store import jsonutil
from concierge.store.models import OutboxOp


def enqueue(
    conn: sqlite3.Connection,
    entity: str,
    entity_id: str,
    *,
    base_version: int | None,
    payload: dict[str, Any] | str,
    made_at: datetime,
) -> str:
    """Queue a change; ``payload`` is a dict or its JSON text."""
    op_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO outbox (op_id, entity, entity_id, base_version, payload, made_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (op_id, entity, entity_id, base_version, _text(payload), made_at.isoformat()),
    )
    return op_id


def coalesce(
    conn: sqlite3.Connection,
    entity: str,
    entity_id: str,
    payload: dict[str, Any] | str,
    made_at: datetime,
) -> bool:
    """Fold a change into the entity's op that has not been sent yet; False if there is none."""
    cur = conn.execute(
        "UPDATE outbox SET payload = ?, made_at = ? WHERE seq = (SELECT MAX(seq) FROM outbox "
        "WHERE entity = ? AND entity_id = ?) AND in_flight = 0",
        (_text(payload), made_at.isoformat(), entity, entity_id),
    )
    return cur.rowcount > 0


def take_batch(conn: sqlite3.Connection, limit: int, upto_seq: int) -> list[OutboxOp]:
    """The next ops in order, at most one per entity, marked in flight."""
    rows = conn.execute(
        "SELECT seq, op_id, entity, entity_id, base_version, payload, made_at FROM outbox "
        "WHERE seq <= ? ORDER BY seq LIMIT ?",
        (upto_seq, limit),
    ).fetchall()
    batch: list[OutboxOp] = []
    seqs: list[tuple[int]] = []
    seen: set[tuple[str, str]] = set()
    for seq, op_id, entity, entity_id, base, payload, made_at in rows:
        if (entity, entity_id) in seen:
            break
        seen.add((entity, entity_id))
        seqs.append((seq,))
        batch.append(
            OutboxOp(op_id, entity, entity_id, base, jsonutil.loads(payload),
                     datetime.fromisoformat(made_at))
        )
    conn.executemany(
        "UPDATE outbox SET in_flight = 1, attempts = attempts + 1 WHERE seq = ?", seqs
    )
    return batch


def remove(conn: sqlite3.Connection, op_id: str) -> OutboxOp | None:
    row = conn.execute(
        "SELECT op_id, entity, entity_id, base_version, payload, made_at FROM outbox "
        "WHERE op_id = ?",
        (op_id,),
    ).fetchone()
    if row is None:
        return None
    conn.execute("DELETE FROM outbox WHERE op_id = ?", (op_id,))
    return OutboxOp(row[0], row[1], row[2], row[3], jsonutil.loads(row[4]),
                    datetime.fromisoformat(row[5]))


def rebase(conn: sqlite3.Connection, entity: str, entity_id: str, version: int) -> None:
    """Later ops of an entity were made on top of the acknowledged one."""
    conn.execute(
        "UPDATE outbox SET base_version = ? WHERE entity = ? AND entity_id = ?",
        (version, entity, entity_id),
    )


def has_pending(conn: sqlite3.Connection, entity: str, entity_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM outbox WHERE entity = ? AND entity_id = ? LIMIT 1", (entity, entity_id)
    ).fetchone()
    return row is not None


def drop_unsent(conn: sqlite3.Connection, entity: str, entity_id: str) -> None:
    """Unsent ops of an entity in conflict: their effect lives on in the local view."""
    conn.execute(
        "DELETE FROM outbox WHERE entity = ? AND entity_id = ? AND in_flight = 0",
        (entity, entity_id),
    )


def _text(payload: dict[str, Any] | str) -> str:
    return payload if isinstance(payload, str) else jsonutil.dumps(payload)
