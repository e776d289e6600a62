"""`--demo` keeps to its own data folder and keyring service: a real account's store and
tokens come out of a demo run byte for byte as they went in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from concierge.auth import KeyringTokenStore, Tokens
from concierge.paths import DEMO_KEYRING_SERVICE, KEYRING_SERVICE, resolve_paths
from concierge.protocol import schemas
from concierge.settings import DEFAULT_SERVER_URL
from concierge.store import Store
from concierge_office.demo_fleet import DEMO_TECHNICIANS

pytestmark = [pytest.mark.qt, pytest.mark.keyring]


def snapshot(home: Path, keyring_key: str) -> dict[str, bytes | str | None]:
    """Every file of the real account's folders, and its keyring entry."""
    files: dict[str, bytes | str | None] = {
        str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*"))
        if p.is_file() and p.relative_to(home).parts[0] != "demo"
    }
    tokens = KeyringTokenStore(service=KEYRING_SERVICE).load(keyring_key)
    files["keyring"] = None if tokens is None else repr(tokens)
    return files


def test_a_demo_run_leaves_the_real_account_untouched(tmp_path) -> None:
    home = tmp_path / "home"
    real = resolve_paths(home).ensure()
    # The real account is the demo's own technician on the demo's own URL: the closest
    # a real account can come to the demo's (same store file name, same keyring key).
    login = DEMO_TECHNICIANS[0]
    key = f"{login}@{DEFAULT_SERVER_URL}"
    with Store.open(real.store_file, real.attachments) as store:
        store.set_account(DEFAULT_SERVER_URL, schemas.UserInfo(
            id="real-user-1", login=login, name="Real Person", role="technician"))
    KeyringTokenStore(service=KEYRING_SERVICE).save(key, Tokens("real-access", "real-refresh"))
    before = snapshot(home, key)
    assert before["keyring"] is not None and "data/concierge.sqlite3" in before

    done = subprocess.run(
        [sys.executable, "-c", "import sys; from ui.launcher import main; sys.exit(main())",
         "--demo", "--screenshot", str(tmp_path / "demo.png")],
        env={**os.environ, "CONCIERGE_HOME": str(home)}, capture_output=True, text=True,
        timeout=240, check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]

    assert snapshot(home, key) == before
    demo = resolve_paths(home, demo=True)
    assert demo.store_file.is_file() and demo.store_file != real.store_file
    assert demo.keyring_service == DEMO_KEYRING_SERVICE != KEYRING_SERVICE
    with Store.open(demo.store_file, demo.attachments) as store:
        demo_account = store.account()
    assert demo_account is not None and demo_account[1].id != "real-user-1"
    demo_tokens = KeyringTokenStore(service=DEMO_KEYRING_SERVICE).load(
        f"{demo_account[1].login}@{demo_account[0]}")
    assert demo_tokens is not None and demo_tokens.access_token != "real-access"



def test_a_demo_that_cannot_start_says_why_in_the_banner(qtbot, bare_context) -> None:
    from concierge.demo_office import DemoOfficeUnavailable
    from ui.main_window import MainWindow

    window = MainWindow(bare_context)
    qtbot.addWidget(window)
    window.show()
    unavailable = DemoOfficeUnavailable("demo_in_bundle")
    window.demo_failed(unavailable)
    assert window.banner is not None and window.banner.isVisible()
    assert window.banner_label.text() == f"The demo could not start. {unavailable}"
