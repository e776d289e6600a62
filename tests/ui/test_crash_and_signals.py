from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from concierge.crash import pending_reports
from ui.dialogs.crash_report import CrashReportDialog, offer_crash_reports


def _report(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_the_newest_crash_report_is_offered_and_then_marked_seen(qtbot, tmp_path) -> None:
    logs = tmp_path / "logs"
    _report(logs, "crash-20261101-080000-000000.txt", "old crash")
    _report(logs, "crash-20261122-080000-000000.txt", "ZeroDivisionError: boom")
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = offer_crash_reports(pending_reports(logs), parent)
    assert isinstance(dialog, CrashReportDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert "ZeroDivisionError: boom" in dialog.detailedText()
    assert dialog.findChild(QWidget, "crashOpenFolder").accessibleName()
    with qtbot.waitSignal(dialog.finished):
        dialog.button(QMessageBox.StandardButton.Close).click()
    assert pending_reports(logs) == []
    assert len(list(logs.glob("crash-*.txt.seen"))) == 2


def test_nothing_is_offered_without_reports(qtbot, tmp_path) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    assert offer_crash_reports([], parent) is None


def test_sigterm_closes_the_app_cleanly(tmp_path) -> None:
    script = (
        "import os, signal, sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication, QMainWindow\n"
        "from ui.signals import quit_on_signals\n"
        "app = QApplication([])\n"
        "window = QMainWindow(); window.show()\n"
        "quit_on_signals(app)\n"
        "app.aboutToQuit.connect(lambda: print('about to quit', flush=True))\n"
        "QTimer.singleShot(0, lambda: os.kill(os.getpid(), signal.SIGTERM))\n"
        "sys.exit(app.exec())\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "about to quit" in done.stdout
