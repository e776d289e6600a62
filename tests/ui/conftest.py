"""Qt test guards: no top-level widget may outlive its test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication


@pytest.fixture(autouse=True)
def no_leaked_widgets(qapp: QApplication) -> Iterator[None]:
    before = set(QApplication.topLevelWidgets())
    yield
    QApplication.processEvents()
    leaked = [
        w for w in QApplication.topLevelWidgets()
        if w not in before and w.isVisible()
    ]
    for widget in leaked:
        widget.close()
    assert not leaked, f"test leaked top-level widgets: {[w.objectName() or w for w in leaked]}"
