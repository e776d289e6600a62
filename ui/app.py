"""GUI start-up: paths, logging, crash reports, theme, main window."""

from __future__ import annotations

import argparse
import logging
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from concierge import APP_NAME, __version__
from concierge.crash import CrashHandler, mark_seen, pending_reports
from concierge.logs import setup_logging
from concierge.paths import resolve_paths
from concierge.settings import load_settings
from ui.main_window import MainWindow
from ui.theme import ThemeController, app_icon

log = logging.getLogger(__name__)


def run_gui(args: argparse.Namespace) -> int:
    paths = resolve_paths(args.data_dir).ensure()
    setup_logging(paths.logs, level=getattr(logging, args.log_level))
    crash = CrashHandler(paths.logs).install()
    settings, problems = load_settings(paths.settings_file)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("Field Concierge")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_NAME)
    app.setWindowIcon(app_icon())
    theme = ThemeController(app, settings.theme, settings.large_touch_targets)
    theme.apply()

    window = MainWindow()
    window.show()
    for message in problems:
        window.statusBar().showMessage(message, 15_000)
    for report in pending_reports(paths.logs):
        log.warning("A previous session crashed; the report is at %s", report)
        window.statusBar().showMessage(f"The app closed unexpectedly last time. Report: {report}")
        mark_seen(report)

    if args.screenshot:
        def capture() -> None:
            window.grab().save(args.screenshot)
            app.quit()

        QTimer.singleShot(0, capture)
    try:
        return app.exec()
    finally:
        crash.uninstall()
