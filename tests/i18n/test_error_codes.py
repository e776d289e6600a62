"""Errors the core raises for a person carry a code with parameters (``concierge.errors``):
each code reads in German, nothing reads the English back, and the UI renders by code."""

from __future__ import annotations

from string import Formatter
from typing import cast

import keyring.backend
import keyring.errors
import pytest

from concierge.errors import CODES, PersonError, error_message
from concierge.i18n import translator_for

DE, EN = translator_for("de"), translator_for("en")

SAMPLE = {"address": "https://office.example", "status": 503, "count": 3, "seconds": 30,
          "login": "ana", "problem": "locked", "path": "/d/store.sqlite3", "kept": "k",
          "version": "9", "folder": "/d", "pid": "4711", "content_type": "image/gif",
          "limit": 20, "ref": "a1b2c3"}


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_reads_in_german_with_its_parameters(code: str) -> None:
    message = error_message(code, SAMPLE)
    german, english = DE.render(message), EN.render(message)
    assert german != english, f"{code}: no German for {message.text!r}"
    assert "{" not in german
    for _literal, name, _spec, _conv in Formatter().parse(message.text):
        if name is not None and name != "count":
            assert str(SAMPLE[name]) in german, (code, name)
    assert str(PersonError(code, **SAMPLE)) == english  # the log's English


def test_plural_and_absent_parameters() -> None:
    assert DE.render(error_message("account_locked", {"seconds": 1})) == (
        "Zu viele fehlgeschlagene Anmeldungen; versuchen Sie es in 1 Sekunde erneut.")
    assert DE.render(error_message("account_locked", {})) == (
        "Zu viele fehlgeschlagene Anmeldungen; versuchen Sie es später erneut.")
    assert DE.render(error_message("unsynced_changes", {"count": 1})).startswith(
        "1 Änderung hat den Innendienst noch nicht erreicht.")


def test_a_code_this_version_does_not_know_names_itself() -> None:
    assert DE.render(error_message("from_a_later_version", {})) == (
        "Etwas ist schiefgegangen (from_a_later_version). Einzelheiten stehen im Protokoll.")


class _LockedKeyring:
    """A keyring whose collection is locked (not a KeyringBackend subclass: those register
    themselves with ``keyring`` for the whole test process)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("the collection is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringLocked("the collection is locked")


def test_a_locked_keyring_reads_in_german(monkeypatch: pytest.MonkeyPatch,
                                         caplog: pytest.LogCaptureFixture) -> None:
    """Before codes, keyring failures reached the person as English text; then the
    keyring's own English words were still quoted in the German sentence."""
    from concierge import i18n
    from concierge.auth import AuthError, KeyringTokenStore, Tokens
    from ui.errors import people_message

    monkeypatch.setattr(i18n, "_ui", DE)
    store = KeyringTokenStore(cast(keyring.backend.KeyringBackend, _LockedKeyring()),
                              service="test")
    shown = []
    for attempt in (lambda: store.load("a"), lambda: store.save("a", Tokens("x", "y")),
                    lambda: store.delete("a")):
        with pytest.raises(AuthError) as failure:
            attempt()
        shown.append(people_message(failure.value))
    assert [text.split(". ")[0] for text in shown] == [
        "Der Schlüsselbund konnte nicht gelesen werden",
        "In den Schlüsselbund konnte nicht geschrieben werden",
        "Der Schlüsselbund konnte nicht geändert werden"]
    assert all("the collection is locked" not in text and "Entsperren Sie" in text
               for text in shown)
    assert "the collection is locked" in caplog.text  # the log keeps the keyring's words


def test_the_ui_renders_by_code_not_by_the_english_text(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The old UI matched class names and regexes on the English: an error whose English
    changed, or a class it did not list, leaked English."""
    from concierge import i18n
    from concierge.auth import AuthError, NotSignedIn, UnsyncedChanges
    from concierge.demo_office import DemoOfficeUnavailable
    from concierge.netpolicy import check_server_url
    from ui.errors import people_message

    monkeypatch.setattr(i18n, "_ui", DE)
    assert people_message(NotSignedIn("not_signed_in")) == (
        "Nicht angemeldet. Melden Sie sich zuerst an.")
    assert people_message(UnsyncedChanges("other_account_unsynced", login="ana")).startswith(
        "ana hat Änderungen, die den Innendienst noch nicht erreicht haben.")
    assert people_message(AuthError("sign_in_unreadable", address="https://x")).startswith(
        "Der Server unter https://x hat etwas geantwortet")
    assert people_message(DemoOfficeUnavailable("demo_not_installed")).startswith(
        "Die Demo braucht den Innendienst")
    with pytest.raises(ValueError) as address:
        check_server_url("ftp://x")
    assert people_message(address.value).endswith("verwenden Sie https://host[:port].")


def test_a_refused_attachment_reads_in_german(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before codes, a file too large or of the wrong type was refused in English."""
    from concierge import i18n
    from concierge.store import Store
    from ui.errors import people_message

    monkeypatch.setattr(i18n, "_ui", DE)
    store = Store.open(tmp_path / "store.sqlite3", tmp_path / "attachments")
    try:
        with pytest.raises(ValueError) as wrong_type:
            store.add_attachment(b"MZ", "application/x-msdownload")
        with pytest.raises(ValueError) as too_large:
            store.add_attachment(b"\0" * (20 * 1024 * 1024 + 1), "image/png")
    finally:
        store.close()
    assert people_message(wrong_type.value).startswith(
        "Dateien vom Typ application/x-msdownload können nicht angehängt werden.")
    assert people_message(too_large.value).startswith("Die Datei ist größer als 20 MB")
