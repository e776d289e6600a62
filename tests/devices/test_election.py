"""The election of the process that holds the broker connection (PostgreSQL advisory
lock): one holder per account, a successor at once when the holder's session ends, and
a holder that lost its session gives the connection up."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from concierge_office import db
from concierge_office.devices.election import Election
from tests.pgcluster import PrivateCluster

WAIT = 10.0


class Candidate:
    def __init__(self, database: db.Database, name: str = "fc-office@127.0.0.1:1883") -> None:
        self.elected = threading.Event()
        self.deposed = threading.Event()
        self.election = Election(database, name, on_elected=self.elected.set,
                                 on_deposed=self.deposed.set)
        self.election.start()


@pytest.fixture
def database(pg_cluster: PrivateCluster) -> Iterator[db.Database]:
    name = f"election_{uuid.uuid4().hex[:8]}"
    pg_cluster.admin(f"CREATE DATABASE {name}")
    database = db.Database(pg_cluster.url(name))
    yield database
    database.dispose()
    pg_cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def holder_backends(database: db.Database) -> list[int]:
    with database.engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )).scalars())


@pytest.mark.postgresql
def test_one_holder_a_successor_when_its_session_ends_and_the_loser_gives_up(
    database: db.Database,
) -> None:
    first = Candidate(database)
    assert first.elected.wait(WAIT)
    second = Candidate(database)
    other_account = Candidate(database, "fc-office-2@127.0.0.1:1883")
    try:
        assert other_account.elected.wait(WAIT)  # another account: its own connection
        assert len(holder_backends(database)) == 2  # one lock per account
        backend = _lock_pid(database, first)
        assert not second.elected.is_set()  # waits inside PostgreSQL

        with database.engine.connect() as conn:  # the holder's session ends (as if killed)
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        assert second.elected.wait(WAIT)
        assert first.deposed.wait(WAIT)  # noticed by its session check: lets go
        assert not other_account.deposed.is_set()
    finally:
        began = time.monotonic()
        for candidate in (first, second, other_account):
            candidate.election.stop()
        assert time.monotonic() - began < WAIT
    assert second.deposed.is_set()
    assert holder_backends(database) == []


@pytest.mark.postgresql
def test_a_waiting_candidate_stops_at_once(database: db.Database) -> None:
    holder = Candidate(database)
    assert holder.elected.wait(WAIT)
    waiting = Candidate(database)
    try:
        began = time.monotonic()
        waiting.election.stop()  # cancels its wait for the lock
        assert time.monotonic() - began < 3.0
        assert not waiting.elected.is_set()
    finally:
        holder.election.stop()


def _lock_pid(database: db.Database, candidate: Candidate) -> int:
    """The backend holding the candidate's lock (a bigint key is split in two oids)."""
    key = candidate.election.key & 0xFFFF_FFFF_FFFF_FFFF
    with database.engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid::bigint = :high AND objid::bigint = :low"
        ), {"high": key >> 32, "low": key & 0xFFFF_FFFF}).scalar_one())
