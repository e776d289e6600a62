"""Sign-in, secrets in the keyring only, sign-out, and the headless commands."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from concierge.auth import (
    Account,
    AccountLocked,
    InsecureServer,
    KeyringTokenStore,
    MemoryTokenStore,
    ServerUnreachable,
    UnsyncedChanges,
    WrongCredentials,
    open_token_store,
)
from concierge.i18n import translator_for
from concierge.store import Store
from tests.sync.cli_helpers import concierge, status
from tests.sync.conftest import DEMO_TECH, PASSWORD, Office


@pytest.mark.keyring
def test_tokens_live_in_the_keyring_only_and_sign_out_wipes(
    office: Office, store: Store, tmp_path: Path
) -> None:
    tokens = open_token_store()
    assert isinstance(tokens, KeyringTokenStore) and tokens.persistent and tokens.warning is None
    account = Account(store, tokens)
    account.sign_in(office.url, DEMO_TECH, PASSWORD)
    secret = account.access_token()
    assert secret and KeyringTokenStore().load(f"{DEMO_TECH}@{office.url}") is not None
    with account.client() as client:
        from concierge.sync import SyncEngine

        assert SyncEngine(store, client).run_once().ok
    store.update_visit(store.visit_rows()[0].id, technician_notes="unsynced")
    on_disk = b"".join(p.read_bytes() for p in (tmp_path / "laptop").glob("concierge.sqlite3*"))
    assert secret.encode() not in on_disk
    assert (tmp_path / "laptop" / "concierge.sqlite3").stat().st_mode & 0o777 == 0o600
    with pytest.raises(UnsyncedChanges):
        account.sign_out()
    account.sign_out(discard_unsynced=True)
    assert KeyringTokenStore().load(f"{DEMO_TECH}@{office.url}") is None
    assert store.visit_rows() == [] and store.account() is None and store.status().pending_ops == 0


def test_without_a_usable_keyring_tokens_stay_in_memory() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        tokens = open_token_store()
    finally:
        keyring.set_keyring(previous)
    assert isinstance(tokens, MemoryTokenStore) and not tokens.persistent
    assert tokens.warning is not None
    assert translator_for("en").render(tokens.warning).startswith("No usable keyring")
    assert translator_for("de").render(tokens.warning).startswith("Es wurde kein nutzbarer")


def test_sign_in_errors_are_for_people(office: Office, store: Store) -> None:
    account = Account(store, MemoryTokenStore())
    with pytest.raises(InsecureServer, match="https"):
        account.sign_in("http://example.com", DEMO_TECH, PASSWORD)
    with pytest.raises(ServerUnreachable, match="could not be reached"):
        account.sign_in("http://127.0.0.1:9", DEMO_TECH, PASSWORD)
    for _ in range(6):  # five free tries, then the office slows this login down
        with pytest.raises(WrongCredentials, match="wrong password"):
            account.sign_in(office.url, DEMO_TECH, "not the password")
    with pytest.raises(AccountLocked, match="try again"):
        account.sign_in(office.url, DEMO_TECH, "not the password")
    assert store.account() is None


@pytest.mark.keyring
def test_headless_commands(office: Office, tmp_path: Path) -> None:
    data = tmp_path / "cli"
    failed = concierge(data, "sync", "--once", check=False)
    assert failed.returncode == 1 and "Not signed in" in failed.stderr
    assert "Traceback" not in failed.stderr
    bad = concierge(data, "login", "--server", "http://127.0.0.1:9", "--user", DEMO_TECH,
                    check=False)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "reached" in bad.stderr
    signed_in = concierge(data, "login", "--server", office.url, "--user", DEMO_TECH)
    assert "Signed in" in signed_in.stdout
    assert "Synced:" in concierge(data, "sync", "--once").stdout
    state = status(data)
    assert state["account"] == DEMO_TECH and state["pending_ops"] == 0 and state["cursor"]
    assert state["last_sync_at"] and state["last_error"] is None
    assert "Pending:" in concierge(data, "status").stdout
    office.stop()
    offline = concierge(data, "sync", "--once", check=False)
    assert offline.returncode == 1 and "Check your network" in offline.stderr
    assert "Traceback" not in offline.stderr
    stored = json.loads(concierge(data, "status", "--json").stdout)
    assert "Check your network" in stored["last_error"]
    assert stored["last_failure"]["code"] == "offline"  # #15: a code, rendered per reader
    german = concierge(data, "--lang", "de", "sync", "--once", check=False)
    assert german.returncode == 1 and "Der Innendienst ist nicht erreichbar" in german.stderr
    assert "Netzwerkverbindung" in concierge(data, "--lang", "de", "status").stdout
    assert "Signed out" in concierge(data, "logout").stdout
    assert status(data)["account"] is None
