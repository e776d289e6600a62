"""The headless commands print the core's coded errors in the chosen language (a real CLI
process against a real office on 127.0.0.1); before codes they printed the English."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.sync.cli_helpers import concierge
from tests.sync.conftest import DEMO_TECH, Office


def _closed_port() -> str:
    with socket.socket() as spare:  # a port nobody listens on
        spare.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{spare.getsockname()[1]}"


def test_sign_in_failures_print_in_german(office: Office, tmp_path: Path) -> None:
    data = tmp_path / "cli"
    printed = {}
    for name, server, user in (("wrong", office.url, "nobody-here"),
                               ("down", _closed_port(), DEMO_TECH),
                               ("insecure", "http://example.com", DEMO_TECH)):
        done = concierge(data, "--lang", "de", "login", "--server", server, "--user", user,
                         check=False)
        assert done.returncode == 1, done.stderr
        printed[name] = done.stderr.strip()
    assert printed["wrong"] == "concierge: Unbekannter Benutzername oder falsches Passwort."
    assert printed["down"].startswith("concierge: Der Innendienst unter http://127.0.0.1:")
    assert "Prüfen Sie die Adresse und Ihre Netzwerkverbindung" in printed["down"]
    assert printed["insecure"].startswith(
        "concierge: „http://example.com“ verwendet unverschlüsseltes http")
    english = concierge(data, "--lang", "en", "login", "--server", office.url, "--user",
                        "nobody-here", check=False)
    assert english.stderr.strip() == "concierge: Unknown user name or wrong password."


def test_a_sync_interval_out_of_range_is_refused_in_german(office: Office, tmp_path: Path) -> None:
    data = tmp_path / "cli"
    concierge(data, "login", "--server", office.url, "--user", DEMO_TECH)
    done = concierge(data, "--lang", "de", "sync", "--interval", "2000", check=False)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == (
        "concierge: Das Synchronisierungsintervall muss zwischen 1 Minute und 1 Tag liegen, "
        "nicht 2000 Minuten.")
