"""A new office's first administrator from the sign-in dialog: a refused setup token reads
in the person's language with what to do, a good one sets the office up and signs in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from concierge import i18n
from concierge.auth import Account, MemoryTokenStore
from concierge.i18n import translator_for
from concierge.store import Store
from concierge_office.bootstrap import SETUP_TOKEN_SECONDS, issue_setup_token
from concierge_office.server import start_embedded
from ui.dialogs.sign_in import SignInDialog


@pytest.fixture
def account(tmp_path: Path) -> Iterator[Account]:
    store = Store.open(tmp_path / "store.sqlite3", tmp_path / "attachments")
    try:
        yield Account(store, MemoryTokenStore())
    finally:
        store.close()


def test_the_dialog_sets_up_a_new_office_and_says_why_a_token_is_refused(
        qtbot, tasks, account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "_ui", translator_for("de"))
    with start_embedded(demo=False, live=False) as office:
        token = office.service.setup_token
        assert token
        expired = issue_setup_token(office.service.db, now=time.time() - SETUP_TOKEN_SECONDS - 1)
        dialog = SignInDialog(None, tasks, account.sign_in, set_up=account.set_up_office)
        qtbot.addWidget(dialog)
        assert dialog.setup_token.objectName() == "signInSetupToken"
        assert dialog.setup_token.accessibleName() == "Einrichtungstoken"
        dialog.server.setText(office.url)
        dialog.username.setText("boss")
        dialog.password.setText("a long enough secret")
        dialog.setup_token.setText(expired)
        dialog.attempt()
        qtbot.waitUntil(dialog.submit.isEnabled, timeout=30_000)
        assert dialog.error.text() == (
            "Das Einrichtungstoken ist abgelaufen (es gilt 15 Minuten). Bitten Sie den "
            "Betreiber des Innendiensts um ein neues.")
        dialog.setup_token.setText(token)
        with qtbot.waitSignal(dialog.signed_in, timeout=30_000) as signed_in:
            dialog.attempt()
        assert signed_in.args[0].role == "admin" and account.signed_in
