"""A session's refusals reach the person in the UI language (the message, never the
error's English ``str()``)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from concierge.session.state import Step
from concierge.store import Store
from tests.core.session_factories import seeded_store
from tests.ui.test_session_window import open_window
from ui.context import AppContext

pytestmark = pytest.mark.qt


@pytest.fixture
def ctx(bare_context: AppContext, tmp_path: Path) -> Iterator[AppContext]:
    store: Store = seeded_store(tmp_path, n_assets=1)
    bare_context.store = store
    yield bare_context
    store.close()


def test_signing_off_without_a_name_says_so_in_german(
        qtbot: QtBot, ctx: AppContext, german: object) -> None:
    w = open_window(qtbot, ctx)
    w.go(Step.DELIGHT)
    w.delight.sign_button.click()
    assert w.delight.sign_message.text() == "Geben Sie zum Abzeichnen Ihren Namen ein."
