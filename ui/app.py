"""GUI start-up: paths, logging, crash reports, theme, app context and main window.

The window shows at once; the store opens and the cached board is read on a
worker, and syncing (and in --demo the embedded back office) starts after.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any, cast

from PySide6.QtWidgets import QApplication

from concierge import APP_NAME, __version__
from concierge.crash import CrashHandler, pending_reports
from concierge.logs import setup_logging
from concierge.paths import resolve_paths
from concierge.settings import load_settings
from ui import core
from ui.board.model import PreparedRows, prepare_rows
from ui.bridge import CoreBridge
from ui.context import AppContext
from ui.dialogs.crash_report import offer_crash_reports
from ui.main_window import MainWindow
from ui.screenshot import ScreenshotDirector
from ui.signals import quit_on_signals
from ui.tasks import TaskManager
from ui.theme import ThemeController, app_icon

log = logging.getLogger(__name__)


def read_board(store: Any) -> tuple[PreparedRows, Any]:
    """Database worker: the board's rows, prepared, and the sync status."""
    return prepare_rows(store.visit_rows()), store.status()


def make_app() -> QApplication:
    app = cast(QApplication, QApplication.instance() or QApplication(sys.argv[:1]))
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("Field Concierge")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_NAME)
    app.setWindowIcon(app_icon())
    return app


def run_gui(args: argparse.Namespace) -> int:
    paths = resolve_paths(args.data_dir).ensure()
    setup_logging(paths.logs, level=getattr(logging, args.log_level))
    crash = CrashHandler(paths.logs).install()
    settings, problems = load_settings(paths.settings_file)
    if args.demo:
        settings = settings.model_copy(update={"demo_mode": True})

    app = make_app()
    tasks = TaskManager()

    # The store opens and the cached board is read on the database worker while the
    # window is built; the keyring, the account and syncing follow once it is shown.
    # (The callbacks run from the event loop, once ``window`` exists.)
    def store_opened(parts: core.CoreParts) -> None:
        window.store_ready(parts)
        (tasks.io(lambda: core.open_account(parts)).success(account_opened)
            .label("Opening your account").run())

    def account_opened(parts: core.CoreParts) -> None:
        window.core_ready(parts, start_sync=not args.demo)  # the demo syncs once signed in
        if args.demo:
            (tasks.io(lambda: core.open_demo(paths, parts, ctx.closing.is_set))
                .success(window.demo_ready).label("Starting the demo back office").run())

    (tasks.db(lambda: core.open_store(paths, read_board)).success(store_opened)
        .label("Opening your data").run())
    theme = ThemeController(app, settings.theme, settings.large_touch_targets)
    theme.apply()
    ctx = AppContext(paths, settings, tasks, CoreBridge())
    window = MainWindow(ctx, theme)
    director = ScreenshotDirector(window, args.screenshot, args.view) if args.screenshot else None
    window.show()
    for message in problems:
        window.statusBar().showMessage(message, 15_000)
    if not args.screenshot:
        offer_crash_reports(pending_reports(paths.logs), window)
    quit_on_signals(app)

    app.aboutToQuit.connect(lambda: core.close_core(ctx))
    try:
        status = app.exec()
        return director.exit_code if director is not None else status
    finally:
        crash.uninstall()
