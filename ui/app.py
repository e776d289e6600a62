# SPDX-License-Identifier: Apache-2.0
"""GUI start-up: paths, logging, crash reports, theme, app context and main window.

The window shows at once with the first screen of the cached board, read from the
store file on the database worker; once that is painted the store opens (and the
whole board is read) on the worker, then the account, then syncing (and in --demo
the embedded back office).  Only what the first paint needs is imported before it.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QObject, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication

import concierge
from concierge import APP_NAME
from concierge.i18n import _
from concierge.paths import AppPaths, resolve_paths
from ui.tasks import TaskManager
from ui.theme import app_icon

if TYPE_CHECKING:
    from ui import core
    from ui.board.model import PreparedRows

log = logging.getLogger(__name__)


FIRST_SCREEN_ROWS = 100  # per board group: more than a tall screen shows
PAINT_FALLBACK_MS = 500  # a window never painted (minimised, say) must not stall start-up


def read_board(store: Any) -> tuple[PreparedRows, Any]:
    """Database worker: the board's rows, prepared, and the sync status."""
    from dataclasses import replace

    from ui.board.model import prepare_rows
    from ui.format import mark_withdrawn

    withdrawn = store.withdrawn_visits()
    rows = prepare_rows(mark_withdrawn(store.visit_rows(), withdrawn))
    return replace(rows, withdrawals=withdrawn), store.status()


def first_screen(paths: AppPaths, rows: int = FIRST_SCREEN_ROWS
                 ) -> tuple[PreparedRows, Any] | None:
    """Database worker: the board's first screen (``rows`` per group) and the sync
    status, from the store file."""
    from concierge.store.board import read_first_screen
    from ui.board.model import next_midnight, prepare_first_screen

    screen = read_first_screen(paths.store_file, next_midnight(), rows)
    return None if screen is None else (prepare_first_screen(screen), screen.status)


def after_first_paint(painted: SignalInstance, callback: Callable[[], object],
                      parent: QObject) -> None:
    """Call ``callback`` once, from the event loop, after ``painted`` fires (so the paint
    completes first) or after ``PAINT_FALLBACK_MS``, whichever comes first."""
    done = False

    def once() -> None:
        nonlocal done
        if not done:
            done = True
            callback()

    painted.connect(lambda: QTimer.singleShot(0, parent, once))
    QTimer.singleShot(PAINT_FALLBACK_MS, parent, once)


def make_app() -> QApplication:
    app = cast(QApplication, QApplication.instance() or QApplication(sys.argv[:1]))
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("Field Concierge")
    app.setDesktopFileName(APP_NAME)
    app.setWindowIcon(app_icon())
    return app


def run_gui(args: argparse.Namespace) -> int:
    from concierge.settings import load_settings
    from ui.i18n import install as install_language

    paths = resolve_paths(args.data_dir, demo=args.demo).ensure()
    app = make_app()
    if not args.screenshot:
        from ui.single_instance import hand_over

        if hand_over(paths.data, sys.argv[1:]):
            log.info("Already running on %s: handed over to that window", paths.data)
            return 0
    # The language first: Qt needs its translator before any widget (or board text) exists.
    settings, problems = load_settings(paths.settings_file)
    install_language(app, getattr(args, "lang", None) or settings.language)
    tasks = TaskManager()

    # The first screen of the cached board is read on the database worker while the
    # rest of start-up runs; once it is painted the store opens, then the keyring and
    # the account, then syncing.  (The callbacks run from the event loop, once
    # ``window`` exists.)
    def first_screen_read(screen: tuple[PreparedRows, Any] | None) -> None:
        if screen is None:
            open_store()
            return
        window.show_first_screen(screen)
        log.info("Showing the board's first screen (%d rows) while the store opens",
                 len(screen[0].rows))
        after_first_paint(window.board.table.first_painted, open_store, window)

    def open_store() -> None:
        gc.enable()  # off while starting (ui.launcher): the first paint is done
        app.setApplicationVersion(concierge.__version__)  # importlib.metadata: not before
        (tasks.db(lambda: core.open_store(paths, read_board)).success(store_opened)
            .failure(lambda exc: window.store_failed(_("Opening your data"), exc))
            .label(_("Opening your data")).run())

    def store_opened(parts: core.CoreParts) -> None:
        log.debug("Store open")
        if not args.screenshot:  # after the first paint: later launches come here
            from ui.single_instance import InstanceServer

            InstanceServer(paths.data, app).launched.connect(window.second_launch)
        window.store_ready(parts)
        for notice in parts.notices:  # e.g. a damaged store was kept aside and recovered
            window.statusBar().showMessage(notice, 120_000)
        (tasks.io(lambda: core.open_account(parts, paths.keyring_service)).success(account_opened)
            .label(_("Opening your account")).run())

    def account_opened(parts: core.CoreParts) -> None:
        log.debug("Account open (signed in: %s)", parts.user is not None)
        window.core_ready(parts, start_sync=not args.demo)  # the demo syncs once signed in
        if args.demo:
            (tasks.io(lambda: core.open_demo(paths, parts, ctx.closing.is_set))
                .success(window.demo_ready).failure(demo_failed)
                .label(_("Starting the demo back office")).run())

    def demo_failed(exc: BaseException) -> None:
        window.demo_failed(exc)  # e.g. a bundle has no office
        if director is not None:
            director.capture_now()

    # The GUI thread imports what the read needs (the window needs it too), so the worker
    # spends its time in SQLite, which runs beside the GUI thread, not on the GIL.
    import ui.board.model  # noqa: F401  (and concierge.store.board with it)

    (tasks.db(lambda: first_screen(paths)).success(first_screen_read)
        .failure(lambda _exc: open_store()).label(_("Reading your board")).run())

    from concierge.crash import CrashHandler, pending_reports
    from concierge.logs import setup_logging
    from ui import core
    from ui.bridge import CoreBridge
    from ui.context import AppContext
    from ui.main_window import MainWindow
    from ui.signals import quit_on_signals
    from ui.theme import ThemeController

    setup_logging(paths.logs, level=getattr(logging, args.log_level))
    crash = CrashHandler(paths.logs).install()
    if args.demo:
        settings = settings.replace(demo_mode=True)

    theme = ThemeController(app, settings.theme, settings.large_touch_targets)
    theme.apply()
    ctx = AppContext(paths, settings, tasks, CoreBridge())
    window = MainWindow(ctx, theme, opening=True)
    director = None
    if args.screenshot:
        from ui.screenshot import ScreenshotDirector

        director = ScreenshotDirector(window, args.screenshot, args.view)
    window.show()
    for message in problems:
        window.statusBar().showMessage(message, 15_000)
    reports = [] if args.screenshot else pending_reports(paths.logs)
    if reports:
        from ui.dialogs.crash_report import offer_crash_reports

        offer_crash_reports(reports, window)
    quit_on_signals(app)

    app.aboutToQuit.connect(lambda: core.close_core(ctx))
    try:
        status = app.exec()
        return director.exit_code if director is not None else status
    finally:
        crash.uninstall()
