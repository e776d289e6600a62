"""Setting up a new office's first administrator: each refusal has its own code on the
wire (a real office over HTTP) and its own German sentence with what to do next; an older
office's one code, ``setup_refused``, still reads sensibly."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from concierge import i18n
from concierge.api.errors import InvalidRequestError
from concierge.auth import Account, MemoryTokenStore, SetupRefused, _setup_failure
from concierge.i18n import translator_for
from concierge.store import Store
from concierge_office.bootstrap import SETUP_TOKEN_SECONDS, issue_setup_token
from concierge_office.server import EmbeddedBackOffice, start_embedded

DE = translator_for("de")
PASSWORD = "a long enough secret"


@pytest.fixture
def new_office() -> Iterator[EmbeddedBackOffice]:
    """A real office with no administrator yet (it issued a setup token at start)."""
    with start_embedded(demo=False, live=False) as office:
        assert office.service.setup_token
        yield office


@pytest.fixture
def account(tmp_path: Path) -> Iterator[Account]:
    store = Store.open(tmp_path / "store.sqlite3", tmp_path / "attachments")
    try:
        yield Account(store, MemoryTokenStore())
    finally:
        store.close()


def _refusal(account: Account, office: EmbeddedBackOffice, token: str, username: str = "boss",
             password: str = PASSWORD) -> SetupRefused:
    with pytest.raises(SetupRefused) as refused:
        account.set_up_office(office.url, token, username, password)
    return refused.value


def test_each_setup_refusal_has_its_own_code_on_the_wire(
        new_office: EmbeddedBackOffice) -> None:
    """Before, the office answered every one of these with ``setup_refused``."""
    token = new_office.service.setup_token
    expired = issue_setup_token(new_office.service.db, now=time.time() - SETUP_TOKEN_SECONDS - 1)

    def code(**body: str) -> str:
        reply = requests.post(f"{new_office.url}/v1/setup", timeout=30,
                              json={"token": token, "username": "boss", "password": PASSWORD,
                                    **body})
        assert reply.status_code == 400, reply.text
        return str(reply.json()["error"]["code"])

    assert code(token="not-a-token-of-this-office") == "setup_token_unknown"
    assert code(token=expired) == "setup_token_expired"
    assert code(password="short") == "password_too_short"
    assert code(password="boss") == "password_too_short"
    assert code(password="Boss-Boss-Boss", username="boss-boss-boss") == "password_is_login"
    assert code(password="x" * 20) == "password_one_character"
    assert code(username=" ") == "setup_login_invalid"
    assert requests.post(f"{new_office.url}/v1/setup", timeout=30, json={
        "token": token, "username": "boss", "password": PASSWORD}).status_code == 201
    assert code() == "setup_token_used"  # the same token again
    assert code(token=expired) == "setup_done"  # the office has its admin now


def test_the_laptop_tells_each_refusal_in_german_with_what_to_do(
        new_office: EmbeddedBackOffice, account: Account) -> None:
    token = new_office.service.setup_token
    assert token
    expired = issue_setup_token(new_office.service.db, now=time.time() - SETUP_TOKEN_SECONDS - 1)
    unknown = _refusal(account, new_office, "a-token-of-another-office")
    assert unknown.code == "setup_token_unknown"
    assert DE.render(unknown.msg).startswith(
        "Der Innendienst kennt dieses Einrichtungstoken nicht.")
    assert "um ein neues Token" in DE.render(unknown.msg)
    late = _refusal(account, new_office, expired)
    assert late.code == "setup_token_expired"
    assert DE.render(late.msg) == (
        "Das Einrichtungstoken ist abgelaufen (es gilt 15 Minuten). Bitten Sie den Betreiber "
        "des Innendiensts um ein neues.")
    short = _refusal(account, new_office, token, password="kurz")
    assert DE.render(short.msg) == (
        "Das Passwort muss mindestens 12 Zeichen lang sein. Wählen Sie ein längeres.")
    same = _refusal(account, new_office, token, username="boss-boss-boss",
                    password="boss-boss-boss")
    assert DE.render(same.msg).startswith("Das Passwort darf nicht der Benutzername sein.")

    user = account.set_up_office(new_office.url, token, "boss", PASSWORD)
    assert user.role == "admin" and account.signed_in  # set up, then signed in

    used = _refusal(account, new_office, token)
    assert used.code == "setup_token_used"
    assert DE.render(used.msg).startswith("Das Einrichtungstoken wurde bereits verwendet.")
    done = _refusal(account, new_office, expired)
    assert DE.render(done.msg).startswith(
        "Dieser Innendienst hat bereits einen Administrator")


def test_an_older_offices_one_code_reads_in_german() -> None:
    """An office before the codes answers ``setup_refused`` (400) for every refusal."""
    old = InvalidRequestError("The setup token is unknown, used or expired.", status=400,
                              code="setup_refused")
    refused = _setup_failure("https://old.example", old, "boss")
    assert isinstance(refused, SetupRefused) and refused.code == "setup_refused"
    german = DE.render(refused.msg)
    assert german.startswith("Der Innendienst hat die Einrichtung abgelehnt.")
    assert "unknown" not in german


def test_the_sign_in_dialog_shows_a_setup_refusal_in_german(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.errors import people_message

    monkeypatch.setattr(i18n, "_ui", DE)
    assert people_message(SetupRefused("setup_login_taken", login="ana")) == (
        "Der Benutzername ana ist bereits vergeben. Wählen Sie einen anderen.")
    assert people_message(SetupRefused("password_too_short", count=1)).startswith(
        "Das Passwort muss mindestens 1 Zeichen lang sein.")
