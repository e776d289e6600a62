"""What the store says to a person (recovery, damaged or newer files) is messages,
rendered in the reader's language; logs keep English."""

from __future__ import annotations

from pathlib import Path

from concierge.i18n import translator_for
from concierge.store.db import CorruptStoreError, StoreError
from concierge.store.salvage import SalvageReport
from concierge.store.writer_lock import StoreInUse

DE, EN = translator_for("de"), translator_for("en")


def test_recovery_summary_in_german_and_english_with_plurals() -> None:
    report = SalvageReport(Path("/data/store.sqlite3.corrupt-1"), changes=1, sessions=2,
                           attachments=1_234, problems=["database disk image is malformed"])
    german = " ".join(DE.render(m) for m in report.summary_msgs())
    assert german == (
        "Aus store.sqlite3.corrupt-1 wiederhergestellt: 1 nicht gesendete Änderung, "
        "2 Entwürfe von Vor-Ort-Terminen und 1.234 Anhänge. Die Änderungen werden bei der "
        "nächsten Synchronisierung gesendet. Ein Teil davon war nicht lesbar (database disk "
        "image is malformed).")
    assert " ".join(EN.render(m) for m in report.summary_msgs()).startswith(
        "Recovered 1 unsent change, 2 session drafts and 1,234 attachments from ")
    assert report.summary() == (  # the log's English
        "Recovered 1 unsent change, 2 session drafts and 1234 attachments from "
        "store.sqlite3.corrupt-1. The changes are sent at the next sync. Some of it could "
        "not be read (database disk image is malformed).")
    nothing = SalvageReport(Path("x.corrupt-2"))
    assert [EN.render(m) for m in nothing.summary_msgs()] == [
        "Recovered 0 unsent changes, 0 session drafts and 0 attachments from x.corrupt-2."]


def test_store_refusals_are_messages() -> None:
    corrupt = CorruptStoreError(Path("/d/store.sqlite3"), Path("/d/store.sqlite3.corrupt-1"),
                                "file is not a database")
    assert str(corrupt).startswith("Your local data file /d/store.sqlite3 is damaged")
    assert DE.render(corrupt.msg).startswith(
        "Ihre lokale Datendatei /d/store.sqlite3 ist beschädigt (file is not a database). "
        "Sie wurde unverändert als store.sqlite3.corrupt-1 aufbewahrt")
    in_use = StoreInUse(Path("/d"), "4711")
    assert "already open in another Field Concierge (process 4711)" in str(in_use)
    assert "4711" in DE.render(in_use.msg) and "Field Concierge" in DE.render(in_use.msg)
    assert isinstance(in_use, StoreError)


def test_people_message_renders_a_store_refusal(monkeypatch) -> None:
    from concierge import i18n

    monkeypatch.setattr(i18n, "_ui", DE)
    from ui.errors import people_message

    text = people_message(StoreInUse(Path("/d"), "4711"))
    assert text == DE.render(StoreInUse(Path("/d"), "4711").msg)
    assert "already open" not in text


def test_a_sessions_outcome_line_is_stored_in_english_and_shown_in_german() -> None:
    from concierge.session.text import outcome_line, outcome_msg

    line = outcome_line(1, [("Door cycle time", -12.4), ("Idle power", 0.0)], 5)
    assert line == "1 step done; Door cycle time -12 % (improved); rated 5/5"
    assert outcome_line(3, [], None) == "3 steps done"
    assert DE.render(outcome_msg(line)) == (
        "1 Schritt erledigt; Türzykluszeit -12\u00a0% (verbessert); bewertet mit 5/5")
    assert EN.render(outcome_msg(line)) == "1 step done; Door cycle time -12% (improved); rated 5/5"
    assert outcome_msg("Replaced the door roller") == "Replaced the door roller"


def test_a_server_address_refusal_is_a_message(monkeypatch) -> None:
    import pytest

    from concierge import i18n
    from concierge.netpolicy import ServerAddressError, check_server_url

    with pytest.raises(ServerAddressError) as caught:
        check_server_url("ftp:/nowhere")
    assert str(caught.value) == "'ftp:/nowhere' is not a server address; use https://host[:port]."
    monkeypatch.setattr(i18n, "_ui", DE)
    from ui.errors import people_message

    assert people_message(caught.value) == (
        "„ftp:/nowhere“ ist keine Serveradresse; verwenden Sie https://host[:port].")
