"""What reaches a person through ``ui.errors.people_message`` is a coded, translated
sentence: files, the disk, the network, the keyring, the store's refusals, and anything
unexpected (a reference the log carries, never the exception's English); and counts of
days read with their plural forms."""

from __future__ import annotations

import errno
import logging
import re
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from concierge import i18n
from concierge.i18n import translator_for

DE = translator_for("de")


@pytest.fixture
def german(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "_ui", DE)


def _shown(exc: BaseException) -> str:
    from ui.errors import people_message

    return people_message(exc)


def test_file_failures_read_in_german(tmp_path: Path, german: None) -> None:
    missing = tmp_path / "photo.jpg"
    with pytest.raises(OSError) as not_found:
        missing.read_bytes()
    assert _shown(not_found.value) == (
        f"Die Datei oder der Ordner {missing} wurde nicht gefunden. Prüfen Sie, ob sie bzw. "
        "er noch vorhanden ist, und versuchen Sie es dann erneut.")
    denied = PermissionError(errno.EACCES, "Permission denied", "/root/report.pdf")
    assert _shown(denied).startswith("Diese App darf /root/report.pdf nicht lesen oder")
    full = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "r.pdf"))
    assert _shown(full).startswith("Auf dem Datenträger ist nicht genug Platz.")
    broken = OSError(errno.EIO, "Input/output error", "/media/usb/r.pdf")
    assert _shown(broken).startswith("/media/usb/r.pdf konnte nicht gelesen oder geschrieben")
    for text in map(_shown, (not_found.value, denied, full, broken)):
        assert "No such file" not in text and "Permission denied" not in text
        assert "No space" not in text and "Input/output" not in text


def test_network_failures_read_in_german(german: None) -> None:
    with socket.socket() as probe:  # a port nobody listens on: a real refusal
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(OSError) as refused, socket.create_connection(("127.0.0.1", port), 2):
        pass
    for exc in (refused.value, TimeoutError("timed out"), socket.gaierror(-2, "Name unknown")):
        assert _shown(exc) == ("Die Verbindung ist fehlgeschlagen. Prüfen Sie Ihre "
                               "Netzwerkverbindung und versuchen Sie es dann erneut.")


def test_a_keyring_or_dbus_failure_reads_in_german(german: None) -> None:
    import keyring.errors

    assert _shown(keyring.errors.InitError("No D-Bus session")).startswith(
        "Der Schlüsselbund konnte nicht verwendet werden.")


def test_the_stores_refusals_read_in_german(tmp_path: Path, german: None) -> None:
    from concierge.store import Store

    store = Store.open(tmp_path / "store.sqlite3", tmp_path / "attachments")
    try:
        with pytest.raises(ValueError) as not_allowed:
            store.update_visit("v1", office_notes="mine")
        with pytest.raises(KeyError) as missing:
            store.update_visit("v-gone", technician_notes="x")
        with pytest.raises(ValueError) as not_a_document:
            store.save_session({"id": "s1", "data": "not a document"})
    finally:
        store.close()
    assert "office_notes" in str(not_allowed.value)  # the log's English names the field
    assert _shown(not_allowed.value).startswith("Diese Änderung kann nicht gespeichert werden")
    assert _shown(missing.value).startswith("Dieser Eintrag ist nicht mehr in Ihren lokalen")
    assert _shown(not_a_document.value).startswith(
        "Diese Änderung konnte nicht gespeichert werden, weil ein Teil davon ungültig ist")


def test_unstorable_text_reads_in_german(german: None) -> None:
    from concierge.store import jsonutil

    with pytest.raises(ValueError) as nul:
        jsonutil.check_storable(jsonutil.dumps({"note": "a\x00b"}), {"note": "a\x00b"}, "data")
    assert "data.note" in str(nul.value)
    assert _shown(nul.value).startswith("Ein Text enthält ein Zeichen, das nicht gespeichert")


def test_an_unexpected_error_is_a_german_sentence_with_a_logged_reference(
        german: None, caplog: pytest.LogCaptureFixture) -> None:
    """Before, any ValueError or OSError was shown as its English text."""
    with caplog.at_level(logging.ERROR, logger="ui.errors"):
        shown = _shown(ValueError("invalid literal for int() with base 10: 'x'"))
        also = _shown(OSError("Qt image writer failed"))
    assert "invalid literal" not in shown and "Qt image writer" not in also
    assert shown.startswith("Etwas Unerwartetes ist schiefgegangen.")
    reference = re.search(r"Referenz (\w+)", shown)
    assert reference and reference[1] in caplog.text
    assert "invalid literal" in caplog.text  # the details are in the log


def test_days_after_the_visit_have_a_singular_and_a_plural(german: None) -> None:
    """Before, one day read "1 Tage" (the label had no singular form)."""
    from ui.serve.digest import HeldRow, days_after, held_text

    assert [days_after(n) for n in (1, 2, 30)] == ["1 Tag", "2 Tage", "30 Tage"]
    row = HeldRow(place="Nordbad", asset="Tür 1", kpi="Schließzeit", day=1,
                  verdict="held", checked_at=datetime(2026, 3, 1, tzinfo=UTC))
    assert held_text([row]).startswith("Schließzeit an Tür 1, 1 Tag nach dem Einsatz: ")


def test_the_session_pages_show_errors_the_same_way(german: None) -> None:
    """The session window and its pages showed any error but the core's own as its English."""
    from ui.session.common import error_text

    shown = error_text(KeyError("visit v-17 not in the store"))
    assert "not in the store" not in shown
    assert shown.startswith("Etwas Unerwartetes ist schiefgegangen.")
