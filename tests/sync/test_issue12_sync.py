"""Issue #12: sync survives poison input and stuck peers (client and office together)."""

from __future__ import annotations

import json
import re
import shutil
import socket
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from concierge.api.client import ApiClient
from concierge.api.errors import ServerError
from concierge.api.retry import RetryPolicy
from concierge.auth import (
    Account,
    AuthError,
    CertificateProblem,
    ClockSkew,
    MemoryTokenStore,
    ServerTrouble,
    ServerUnreachable,
    WrongCredentials,
)
from concierge.commands import EXIT_CORRUPT_STORE
from concierge.netpolicy import check_server_url
from concierge.paths import resolve_paths
from concierge.settings import load_settings
from concierge.store import CorruptStoreError, Store
from concierge.sync import SyncEngine, SyncOptions
from tests.sync.cli_helpers import concierge
from tests.sync.conftest import PASSWORD, Laptop, Office, local_visits
from tests.sync.proxy import FaultProxy
from tests.sync.stuck_server import finishes_within, stuck_server
from tests.sync.tls_server import tls_server


def test_12_1_first_sync_after_purge_completes(
    office_factory: Callable[..., Office], laptop_factory: Callable[..., Laptop]
) -> None:
    office = office_factory(tombstone_retention_seconds=0.0)
    visit_id = sorted(office.server_visits("ana"))[0]
    office.patch_visit(visit_id, status="cancelled")  # a tombstone, purged at once
    assert office.server is not None and office.server.service.purge() > 0
    laptop = laptop_factory(office, options=SyncOptions(page_size=10))  # a snapshot of pages
    first = laptop.sync()
    assert first.ok, first.error
    assert local_visits(laptop.store) == office.server_visits("ana")
    again = laptop.sync()
    assert again.ok and again.pulled == 0, again.error


def test_12_2_a_pulled_record_the_app_cannot_read_is_set_aside(
    office: Office, laptop: Laptop
) -> None:
    """One unreadable record does not hold back the page: set aside, reported, cursor moves."""
    visits = sorted(office.server_visits("ana"))
    # an office record this app cannot read
    office.execute("UPDATE visits SET priority = 9 WHERE id = :id", id=visits[0])
    result = laptop.sync()
    assert result.ok, result.error
    assert result.set_aside == 1
    store = laptop.store
    assert store.visit(visits[0]) is None
    assert {r.id for r in store.visit_rows()} == set(visits[1:])
    [attention] = store.rejected_ops()
    assert attention.entity_id == visits[0] and attention.code == "unreadable_record"
    assert "priority" in attention.reason
    assert store.status().cursor is not None
    office.patch_visit(visits[1], office_notes="still flowing")
    again = laptop.sync()
    assert again.ok and again.pulled == 1 and again.set_aside == 0
    assert store.visit(visits[1]).office_notes == "still flowing"  # type: ignore[union-attr]


def _session(visit_id: str, **fields: object) -> dict[str, object]:
    return {"id": f"ses-{visit_id}", "visit_id": visit_id, "status": "in_progress",
            "step": "wishes", "data": {}, "attachments": [],
            "started_at": datetime(2026, 1, 1, tzinfo=UTC), "completed_at": None, **fields}


def test_12_2_the_store_refuses_what_the_office_could_not_serve_back(laptop: Laptop) -> None:
    """Checked where the person types it, so it never becomes a poisoned outbox op."""
    laptop.sync()
    store = laptop.store
    visit_id = store.visit_rows()[0].id
    far = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14)))
    with pytest.raises(ValueError, match="started_at"):
        store.save_session(_session(visit_id, started_at=far))
    with pytest.raises(ValueError, match=r"data\.wishes\.0\.text"):
        store.save_session(_session(visit_id, data={"wishes": [{"text": "\ud800"}]}))
    with pytest.raises(ValueError, match="technician_notes"):
        store.update_visit(visit_id, technician_notes="a\x00b")
    assert store.load_session(visit_id) is None and store.status().pending_ops == 0


def test_12_10_the_client_never_reuses_an_op_id(laptop: Laptop, office: Office) -> None:
    """A change made while an op's reply is lost gets its own id; both reach the office."""
    laptop.sync()
    store = laptop.store
    visit_id = store.visit_rows()[0].id
    store.update_visit(visit_id, technician_notes="sent, reply lost")
    replication = store.replication
    [sent] = replication.take_batch(10, replication.outbox_high_water())  # in flight now
    store.update_visit(visit_id, technician_notes="made afterwards")
    with sqlite3.connect(store.path) as db:
        rows = db.execute("SELECT op_id, payload FROM outbox ORDER BY seq").fetchall()
    assert rows[0][0] == sent.op_id and len({r[0] for r in rows}) == 2
    assert "reply lost" in rows[0][1] and "afterwards" in rows[1][1]
    result = laptop.sync()
    assert result.ok and result.pushed == 2 and result.rejected == 0, result.error
    assert office.server_visits("ana")[visit_id]["technician_notes"] == "made afterwards"


def _other_visits(store: Store, count: int) -> list[str]:
    return [r.id for r in store.visit_rows()][:count]


def test_12_3_a_corrupt_attachment_never_blocks_the_outbox(laptop: Laptop, office: Office) -> None:
    laptop.sync()
    store = laptop.store
    photo_visit, other_visit = _other_visits(store, 2)
    sha = store.add_attachment(b"\x89PNG a photo", "image/png", "pump.png")
    store.save_session(_session(photo_visit, attachments=[sha], data={"note": "kept"}))
    store.update_visit(other_visit, technician_notes="unrelated edit")
    store.attachment_path(sha).write_bytes(b"\x89PNG a phot0")  # damaged on disk, same size
    result = laptop.sync()
    assert result.ok, result.error
    assert result.pushed == 1 and result.rejected == 1
    assert office.server_visits("ana")[other_visit]["technician_notes"] == "unrelated edit"
    [attention] = store.rejected_ops()
    assert attention.entity == "session" and attention.code == "attachment_unreadable"
    assert "pump.png" in attention.reason and "re-attach" in attention.reason.lower()
    assert store.load_session(photo_visit)["data"] == {"note": "kept"}  # type: ignore[index]
    assert store.status().pending_ops == 0
    # Re-attaching the real file and saving again sends the session.
    assert store.add_attachment(b"\x89PNG a photo", "image/png", "pump.png") == sha
    store.save_session(_session(photo_visit, attachments=[sha], data={"note": "kept"}))
    again = laptop.sync()
    assert again.ok and again.pushed == 1 and again.rejected == 0, again.error


def test_12_3_one_op_the_office_refuses_whole_never_blocks_the_queue(
    laptop: Laptop, office: Office
) -> None:
    """An op from an older app that the office refuses as a request (422) is set aside alone."""
    laptop.sync()
    store = laptop.store
    first, second = _other_visits(store, 2)
    store.update_visit(first, technician_notes="before")
    with sqlite3.connect(store.path) as db:  # written by an app that did not check NUL
        db.execute("UPDATE outbox SET payload = ?", ('{"technician_notes":"a\\u0000b"}',))
    store.update_visit(second, technician_notes="after the poisoned one")
    result = laptop.sync()
    assert result.ok, result.error
    assert result.pushed == 1 and result.rejected == 1
    assert office.server_visits("ana")[second]["technician_notes"] == "after the poisoned one"
    [attention] = store.rejected_ops()
    assert attention.entity_id == first and "technician_notes" in attention.reason
    assert store.status().pending_ops == 0


# --- stuck peers (items 5 and 6) -------------------------------------------------------------


class _Tokens:
    def access_token(self) -> str | None:
        return "token"

    def renew_access_token(self, rejected: str | None) -> str | None:
        return None


def _engine(store: Store, url: str, **options: Any) -> SyncEngine:
    client = ApiClient(url, tokens=_Tokens(), timeout=(2.0, 2.0),
                       retry=RetryPolicy(attempts=3, base=0.01, cap=0.05))
    return SyncEngine(store, client, SyncOptions(**options))


def test_12_5_a_trickling_server_ends_the_run_in_time(store: Store) -> None:
    with stuck_server("trickle", pace=0.3) as server:
        engine = _engine(store, server.url, deadline=1.5)
        result = finishes_within(6.0, engine.run_once)
    assert not result.ok and result.retry_at is not None
    assert "not responding" in (result.error or "")
    assert f"{result.retry_at.astimezone():%H:%M}" in (result.error or "")


def test_12_5_a_long_retry_after_ends_the_run_and_is_honoured_later(store: Store) -> None:
    with stuck_server("retry-after", retry_after=3600) as server:
        engine = _engine(store, server.url)
        before = datetime.now(UTC)
        result = finishes_within(5.0, engine.run_once)
    assert not result.ok and server.requests == 1
    assert result.retry_at is not None
    assert timedelta(minutes=59) < result.retry_at - before < timedelta(minutes=61)
    assert f"{result.retry_at.astimezone():%H:%M}" in (result.error or "")


def test_12_5_a_cursor_that_never_advances_is_a_protocol_error(store: Store) -> None:
    with stuck_server("same-cursor") as server:
        result = finishes_within(5.0, _engine(store, server.url).run_once)
    assert not result.ok and "does not advance" in (result.error or "")
    assert server.requests <= 3


def test_12_6_one_failing_get_is_sent_exactly_as_often_as_the_one_retry_layer_says(
    store: Store,
) -> None:
    with stuck_server("fail") as server:
        client = ApiClient(server.url, tokens=_Tokens(),
                           retry=RetryPolicy(attempts=3, base=0.01, cap=0.05))
        with pytest.raises(ServerError):
            client.pull(None, 10)
        client.close()
    assert server.requests == 3


@pytest.mark.parametrize("url", ["http://user:pw@127.0.0.1:8000", "https://me@office.example",
                                 "https://:secret@office.example/api"])
def test_12_9_server_addresses_with_credentials_are_refused(
    url: str, store: Store, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="user name or password") as refused:
        check_server_url(url)
    assert "pw" not in str(refused.value) and "secret" not in str(refused.value)
    with pytest.raises(AuthError, match="user name or password"):
        Account(store, MemoryTokenStore()).sign_in(url, "ana", "pw")
    assert store.account() is None
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps({"server_url": url}))
    settings, _problems = load_settings(settings_file)
    assert "@" not in settings.server_url


def test_12_7_a_lost_refresh_reply_never_signs_the_technician_out(
    office: Office, laptop_factory: Callable[..., Laptop]
) -> None:
    with FaultProxy(office.url) as proxy:
        laptop = laptop_factory(office, url=proxy.url)
        assert laptop.sync().ok
        before = laptop.account.access_token()
        office.execute("UPDATE tokens SET expires_at = 0 WHERE kind = 'access'")
        lost: list[str] = []

        def lose_the_first_refresh_reply(method: str, path: str) -> str | None:
            if path == "/v1/auth/refresh" and not lost:
                lost.append(path)
                return "lost"
            return None

        proxy.choose_fault = lose_the_first_refresh_reply
        result = laptop.sync()
        assert lost and result.ok, result.error
        refreshes = [o for m, p, o in proxy.log if p == "/v1/auth/refresh"]
        assert refreshes == ["200 lost", "200"]
        assert laptop.account.signed_in and laptop.account.access_token() != before
        assert laptop.sync().ok


def test_12_8_sign_in_is_retried_through_a_transient_fault(office: Office, store: Store) -> None:
    with FaultProxy(office.url) as proxy:
        faults = iter(["reset", "503"])
        proxy.choose_fault = lambda method, path: next(faults, None)
        user = Account(store, MemoryTokenStore()).sign_in(proxy.url, "ana", PASSWORD)
    assert user.login == "ana"
    assert [o for _, p, o in proxy.log if p == "/v1/auth/login"] == ["reset", "injected 503", "200"]


def _sign_in_error(store: Store, url: str, password: str = PASSWORD) -> AuthError:
    with pytest.raises(AuthError) as failure:
        Account(store, MemoryTokenStore()).sign_in(url, "ana", password)
    assert "sync later" not in failure.value.message and "changes" not in failure.value.message
    return failure.value


def test_12_8_each_sign_in_failure_says_what_is_true(
    office: Office, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = _sign_in_error(store, office.url, "not the password")
    assert isinstance(wrong, WrongCredentials)
    with socket.socket() as spare:  # a port nobody listens on
        spare.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{spare.getsockname()[1]}"
    down = _sign_in_error(store, closed)
    assert isinstance(down, ServerUnreachable) and "Check the address" in down.message
    with stuck_server("fail") as failing:
        trouble = _sign_in_error(store, failing.url)
    assert isinstance(trouble, ServerTrouble) and "HTTP 503" in trouble.message
    with tls_server(tmp_path) as (url, _cert):
        untrusted = _sign_in_error(store, url)
    assert type(untrusted) is CertificateProblem and "certificate" in untrusted.message
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    with tls_server(tmp_path, valid_from=tomorrow) as (url, cert):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))  # trusted, but not valid yet
        skewed = _sign_in_error(store, url)
    assert isinstance(skewed, ClockSkew) and "clock" in skewed.message
    assert store.account() is None


# --- a damaged local store (item 4) ------------------------------------------------------------


def _damage_a_page_outside_the_outbox(path: Path) -> None:
    with sqlite3.connect(path) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        page = db.execute("SELECT max(pageno) FROM dbstat WHERE name = 'records' "
                          "AND pagetype = 'leaf'").fetchone()[0]
    with path.open("r+b") as handle:
        handle.seek((page - 1) * page_size)
        handle.write(b"\xde\xad" * (page_size // 2))


def test_12_4_a_damaged_store_is_kept_and_the_cli_says_what_to_do(
    laptop: Laptop, tmp_path: Path
) -> None:
    laptop.sync()
    visit_id = laptop.store.visit_rows()[0].id
    laptop.store.update_visit(visit_id, technician_notes="typed before the disk went bad")
    data_dir = tmp_path / "home"
    paths = resolve_paths(str(data_dir)).ensure()
    laptop.store.close()
    shutil.copyfile(laptop.store.path, paths.store_file)
    _damage_a_page_outside_the_outbox(paths.store_file)
    damaged = paths.store_file.read_bytes()

    status = concierge(data_dir, "status", check=False)
    assert status.returncode == EXIT_CORRUPT_STORE
    assert "damaged" in status.stderr and "concierge recover" in status.stderr
    assert "Traceback" not in status.stderr
    [kept] = [p for p in paths.store_file.parent.glob("concierge.sqlite3.corrupt-*")]
    assert kept.read_bytes() == damaged  # kept as it was, never reset or overwritten

    recovered = concierge(data_dir, "recover")
    assert "Recovered 1 unsent change," in recovered.stdout
    assert re.search(r"^Pending: +1 change$", concierge(data_dir, "status").stdout, re.M)
    assert kept.read_bytes() == damaged


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 10])
def test_12_4_an_empty_or_foreign_store_file_is_never_silently_reset(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "concierge.sqlite3"
    path.write_bytes(content)
    with pytest.raises(CorruptStoreError) as failure:
        Store.open(path, tmp_path / "att")
    assert failure.value.kept_as.read_bytes() == content
    assert not path.exists()
    Store.open(path, tmp_path / "att").close()  # a fresh store can then be made


def test_12_7_a_lost_refresh_reply_and_an_outage_past_the_grace_never_sign_out(
    office_factory: Callable[..., Office], laptop_factory: Callable[..., Laptop]
) -> None:
    """The reply is lost and every retry fails until the office's grace is over."""
    office = office_factory(refresh_grace_seconds=0.0)
    with FaultProxy(office.url) as proxy:
        laptop = laptop_factory(office, url=proxy.url)
        assert laptop.sync().ok
        office.execute("UPDATE tokens SET expires_at = 0 WHERE kind = 'access'")
        refreshes: list[str] = []

        def lose_then_fail(method: str, path: str) -> str | None:
            if path != "/v1/auth/refresh":
                return None
            refreshes.append(path)
            return "lost" if len(refreshes) == 1 else "reset"

        proxy.choose_fault = lose_then_fail
        failed = laptop.sync()
        assert not failed.ok and failed.offline, failed.error
        proxy.choose_fault = lambda method, path: None
        result = laptop.sync()  # presents the spent refresh token, after the grace
        assert result.ok, result.error
        assert laptop.account.signed_in
        assert laptop.sync().ok
