"""The About box names the version and the licences of what the app ships."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from ui.main_window import MainWindow

pytestmark = pytest.mark.qt


def test_about_shows_the_version_and_the_third_party_licences(qtbot, bare_context) -> None:
    window = MainWindow(bare_context)
    qtbot.addWidget(window)
    box = window._about()
    assert f"Field Concierge {version('field-concierge')}" in box.text()
    assert "Apache License 2.0" in box.text()
    details = box.detailedText().splitlines()
    assert any(line.startswith("pydantic ") and ": MIT" in line for line in details)
    assert not any(line.lower().startswith(("fastapi ", "uvicorn ")) for line in details)
    box.close()
