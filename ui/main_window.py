# SPDX-License-Identifier: Apache-2.0
"""The main window: the technician's home for the day."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from concierge.i18n import _, ngettext
from concierge.settings import Settings, save_settings
from ui import core
from ui.board.model import prepare_rows
from ui.board.view import BoardView
from ui.context import AppContext
from ui.dialogs.common import people_message
from ui.format import mark_withdrawn, place_text, summary_of
from ui.notify import Notifier
from ui.placeholders import Placeholders
from ui.serve.answers import HelpAnswers
from ui.serve.digest_action import install as install_digest
from ui.statusbar import SyncStatusWidget

if TYPE_CHECKING:  # message boxes load when one opens (each Qt class costs start-up time)
    from PySide6.QtWidgets import QMessageBox

log = logging.getLogger(__name__)
STORE_RELOAD_DELAY_MS = 150
SYNCING_RELOAD_DELAY_MS = 2_000  # while a sync streams pages in, refresh the board calmly


class MainWindow(QMainWindow):
    board_loaded = Signal()
    visit_opened = Signal(str)

    def __init__(self, ctx: AppContext, theme: Any = None, *, opening: bool = False) -> None:
        """``opening``: the store is still to open; until it does (``store_ready``) or
        fails (``store_failed``), a blank page rather than "Sign in" shows."""
        super().__init__()
        self.opening = opening
        self.ctx = ctx
        self.theme = theme
        self.setObjectName("mainWindow")
        self.setWindowTitle(_("Field Concierge"))
        self.resize(1280, 800)
        self.ui_settings = QSettings(str(ctx.paths.config / "ui.ini"),
                                     QSettings.Format.IniFormat, self)
        self.detail: Any = None
        self.session_windows: list[QWidget] = []
        self._dialogs: dict[str, Any] = {}
        self._rows_loaded = False
        self._status: Any = None
        self._sync_after_load = False
        self.sign_out_box: QMessageBox | None = None
        self._pending_visit: str | None = None
        ctx.tasks.on_error = self.show_task_error

        self.board = BoardView()
        self.visit_page: QWidget | None = None  # made with the first visit opened
        self.visit_layout: QVBoxLayout | None = None
        self.opening_page = QWidget()
        self.opening_page.setObjectName("openingPage")
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        for page in (self.opening_page, self.board):
            self.pages.addWidget(page)
        self.placeholders = Placeholders(self.pages, {
            "signedOut": self.open_sign_in, "firstSync": self.sync_now, "empty": self.sync_now})

        self.banner: QFrame | None = None  # made when the demo office is in use
        central = QWidget()
        self.column = QVBoxLayout(central)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(0)
        self.column.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self._show_banner(bool(ctx.settings.demo_mode or ctx.backoffice))
        from ui.day_status import DayStatusBar

        self.day_bar = DayStatusBar(self.ui_settings, self._visit_for_day)
        self.day_bar.changed.connect(lambda _s: self.send_day_status())
        self.day_bar.hide()
        self._day_sending = self._day_again = False
        self.column.insertWidget(self.column.indexOf(self.pages), self.day_bar)

        self.status = SyncStatusWidget()
        self.statusBar().setObjectName("statusBar")
        self.statusBar().addPermanentWidget(self.status, 1)
        self.notifier = Notifier(self, lambda text: self.statusBar().showMessage(text, 15_000))
        self.day_changes: list[Any] = []  # since the technician last looked
        self.help_answers = HelpAnswers(self.ctx, self, self.add_day_changes)
        self._day_before: dict[str, Any] | None = None  # the day as a sync began
        self._diff_after_load = False
        self.changes_button = QPushButton()
        self.changes_button.setObjectName("dayChangesButton")
        self.changes_button.setProperty("flat", True)
        self.changes_button.hide()
        self.changes_button.clicked.connect(self.open_day_changes)
        self.statusBar().addPermanentWidget(self.changes_button)
        self._build_actions()

        self.board.open_visit.connect(self.open_visit)
        self.status.sync_requested.connect(self.sync_now)
        self.status.conflicts_requested.connect(lambda: self.open_conflicts(0))
        self.status.attention_requested.connect(lambda: self.open_conflicts(1))
        self._reload_timer = QTimer(self, singleShot=True, interval=STORE_RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)
        self._visit_timer = QTimer(self, singleShot=True, interval=STORE_RELOAD_DELAY_MS)
        self._visit_timer.timeout.connect(self.refresh_visit)
        bridge = ctx.bridge
        bridge.store_changed.connect(self._store_changed)
        bridge.sync_started.connect(self._sync_started)
        bridge.sync_progress.connect(self.status.set_progress)
        bridge.sync_finished.connect(self._sync_finished)
        bridge.online_changed.connect(self.status.set_online)
        if ctx.sync is not None:
            self.status.set_online(bool(ctx.sync.online))
        self._restore()
        self.show_current_state()

    # --- structure -------------------------------------------------------------
    def _show_banner(self, visible: bool) -> None:
        if self.banner is None:
            if not visible:
                return
            self.banner = QFrame()
            self.banner.setObjectName("demoBanner")
            row = QHBoxLayout(self.banner)
            row.setContentsMargins(12, 6, 12, 6)
            self.banner_label = QLabel(
                _("Demo mode: an embedded back office with a simulated fleet. "
                "Nothing here reaches a real customer."))
            self.banner_label.setObjectName("demoBannerText")
            self.banner_label.setWordWrap(True)
            row.addWidget(self.banner_label, 1)
            self.column.insertWidget(0, self.banner)
        self.banner.setVisible(visible)

    def _action(self, text: str, name: str, slot: Callable[[], Any],
                shortcuts: Sequence[Any] = ()) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        menu = self.menuBar()
        menu.setObjectName("menuBar")
        self.sync_action = self._action(_("&Sync now"), "actionSync", self.sync_now,
                                        ("F5", "Ctrl+R"))
        self.sign_in_action = self._action(_("Sign &in…"), "actionSignIn", self.open_sign_in)
        self.sign_out_action = self._action(_("Sign &out"), "actionSignOut", self.sign_out)
        self.settings_action = self._action(_("&Settings…"), "actionSettings", self.open_settings,
                                            (QKeySequence.StandardKey.Preferences, "Ctrl+,"))
        self.quit_action = self._action(_("&Quit"), "actionQuit", self.close,
                                        (QKeySequence.StandardKey.Quit,))
        self.board_action = self._action(_("&Board"), "actionBoard", self.show_board,
                                         ("Ctrl+1",))
        self.conflicts_action = self._action(_("&Conflicts and needs attention…"),
                                             "actionConflicts", lambda: self.open_conflicts(0),
                                             ("Ctrl+Shift+C",))
        self.remote_fixes_action = self._action(_("&Resolved remotely…"), "actionRemoteFixes",
                                                self.open_remote_fixes, ("Ctrl+Shift+R",))
        self.about_action = self._action(_("&About Field Concierge"), "actionAbout", self._about)
        file_menu = menu.addMenu(_("&File"))
        for action in (self.sync_action, self.sign_in_action, self.sign_out_action,
                       self.settings_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        view_menu = menu.addMenu(_("&View"))
        view_menu.addAction(self.board_action)
        view_menu.addAction(self.conflicts_action)
        self.digest = install_digest(self, view_menu)  # praise, follow-ups, did it hold
        view_menu.addAction(self.remote_fixes_action)
        menu.addMenu(_("&Help")).addAction(self.about_action)

    # --- the core arrives ---------------------------------------------------------
    def show_first_screen(self, data: tuple[Any, Any]) -> None:
        """The first screen of the board, read from the store file before the store opens
        (the cached account is signed in); the whole board follows with the store."""
        if self._rows_loaded:
            return
        rows, status = data
        self._status = status
        self.board.set_rows(rows)
        self.status.set_status(status)
        self.pages.setCurrentWidget(self.board)
        self.board.table.setFocus()

    def store_ready(self, parts: Any) -> None:
        """The store is open: show the cached board (read with it, else read now)."""
        core.adopt_store(self.ctx, parts)
        self.opening = False
        self.show_current_state()
        if parts.board is not None:
            board, parts.board = parts.board, None
            self._loaded(board)
        else:
            self.reload()

    def store_failed(self, label: str, exc: BaseException) -> None:
        self.opening = False
        self.show_current_state()
        self.show_task_error(label, exc)

    def core_ready(self, parts: Any, start_sync: bool = True) -> None:
        """The account is open too: start syncing once the cached board is shown."""
        first = self.ctx.store is not parts.store
        core.adopt(self.ctx, parts)
        self._show_banner(bool(self.ctx.settings.demo_mode or self.ctx.backoffice))
        self.show_current_state()
        if first or not self._rows_loaded:
            self._sync_after_load = start_sync  # the cached board first, then the network
            self.reload()
        elif start_sync:
            QTimer.singleShot(0, self._start_sync)

    def demo_ready(self, parts: Any) -> None:
        log.debug("Demo back office up at %s", parts.backoffice.url)
        core.adopt_demo(self.ctx, parts)
        self._show_banner(True)
        self._start_sync()
        self.show_current_state()

    def demo_failed(self, exc: BaseException) -> None:
        """The demo office could not start (a bundle has none): say so in the demo banner."""
        log.error("Starting the demo failed", exc_info=exc)
        self._show_banner(True)
        self.banner_label.setText(
            _("The demo could not start. {reason}").format(reason=people_message(exc)))

    def _store_changed(self, change: Any) -> None:
        if self.detail is not None and self.pages.currentWidget() is self.visit_page:
            ids: frozenset[str] = getattr(change, "ids", frozenset())
            entities: frozenset[str] = getattr(change, "entities", frozenset())
            if self.detail.bundle.visit.id in ids or "*" in ids or "session" in entities:
                self._visit_timer.start()
        if not self._reload_timer.isActive():
            syncing = self._sync_running()
            self._reload_timer.start(SYNCING_RELOAD_DELAY_MS if syncing else STORE_RELOAD_DELAY_MS)

    def _sync_started(self, _value: Any = None) -> None:
        self.status.set_running(True)
        if self._rows_loaded and self.board.model.rowCount():
            from ui.day_changes import snapshot

            self._day_before = snapshot(self.board.model.rows(), self.board.model.withdrawals)

    def _note_day_changes(self) -> None:
        """After a sync: what changed in the day, listed and notified."""
        from ui.day_changes import diff_day, snapshot

        before, self._day_before = self._day_before, None
        if not before:
            return  # the first fill of an empty board is no change
        self.add_day_changes(diff_day(before, snapshot(self.board.model.rows(),
                                                       self.board.model.withdrawals)))

    def add_day_changes(self, changes: list[Any]) -> None:
        """Listed under "What changed" and notified (the sync's, the office's answers)."""
        if not changes:
            return
        self.day_changes = changes + self.day_changes
        self._show_changes_button()
        lines = [c.text for c in changes[:3]]
        if len(changes) > 3:
            lines.append(ngettext("and {count} more", "and {count} more", len(changes) - 3)
                         .format(count=len(changes) - 3))
        self.notifier.notify(ngettext("{count} change to your day", "{count} changes to your day",
                                      len(changes)).format(count=len(changes)), "\n".join(lines))

    def _show_changes_button(self) -> None:
        count = len(self.day_changes)
        self.changes_button.setText(ngettext("What changed ({count})", "What changed ({count})",
                                             count).format(count=count))
        self.changes_button.setAccessibleName(
            ngettext("{count} change to your day since you last looked",
                     "{count} changes to your day since you last looked", count)
            .format(count=count))
        self.changes_button.setVisible(count > 0)

    def open_day_changes(self) -> Any:
        from ui.day_changes import DayChangesDialog

        dialog = self._open_dialog("day_changes",
                                   lambda: DayChangesDialog(self, list(self.day_changes)))
        dialog.seen.connect(self._changes_seen)
        return dialog

    def _changes_seen(self) -> None:
        self.day_changes = []
        self._show_changes_button()

    def _start_sync(self) -> None:
        if self.ctx.sync is None:
            core.start_sync(self.ctx)
        elif self.ctx.signed_in:
            self.sync_now()
        if self.ctx.sync is not None:
            self.status.set_online(bool(self.ctx.sync.online))

    # --- state --------------------------------------------------------------------
    def _visit_for_day(self) -> tuple[str, str] | None:
        """The visit "On my way" and "On site" are about: the open one, else the selected."""
        if self.detail is not None and self.pages.currentWidget() is self.visit_page:
            bundle = self.detail.bundle
            return bundle.visit.id, place_text(bundle.site.customer_name, bundle.site.name)
        visit_id = self.board.current_visit_id()
        position = self.board.model.row_of(visit_id) if visit_id else -1
        if position < 0:
            return None
        return str(visit_id), place_text(self.board.model.rows()[position])

    def send_day_status(self) -> None:
        """Tell the office (now, or after the next sync when offline). One report in
        flight at a time, and always the latest: a tap during a send is sent after it."""
        account = self.ctx.account
        bar = self.day_bar
        if not self.ctx.signed_in or account is None or not bar.status:
            return
        if self._day_sending:
            self._day_again = True
            return
        self._day_sending, self._day_again = True, False
        report = bar.report()

        def send() -> None:
            with account.client() as client:
                client.put_day_status(report)

        def finished(sent: bool) -> None:
            self._day_sending = False
            if self._day_again:
                self.send_day_status()
            elif sent:
                bar.mark_pending(False)

        def failed(exc: BaseException) -> None:
            log.debug("Day status not sent yet: %s", exc)
            self._day_again = False  # the next sync sends the latest
            finished(False)

        (self.ctx.tasks.io(send, parent=self).success(lambda _r: finished(True))
            .failure(failed).label(_("Telling the office your status")).run())

    def show_current_state(self) -> None:
        """Pick the page for where we are: signed out, first sync, empty or the board."""
        signed_in = self.ctx.signed_in
        self.day_bar.setVisible(signed_in)
        self.sign_in_action.setVisible(not signed_in)
        self.sign_out_action.setVisible(signed_in)
        self.sync_action.setEnabled(signed_in)
        self.status.sync_button.setEnabled(signed_in and not self._sync_running())
        if not signed_in:
            if not self.opening:
                self.placeholders.show("signedOut")
            return
        if not self._rows_loaded:
            return  # the board shows once its rows are read
        if self.pages.currentWidget() is self.visit_page:
            return
        self._show_board_or_placeholder()

    def _show_board_or_placeholder(self) -> None:
        if self.board.model.rowCount():
            self.pages.setCurrentWidget(self.board)
            self.board.table.setFocus()
        else:
            self.placeholders.show("firstSync" if self._last_sync_at() is None else "empty")

    def _last_sync_at(self) -> Any:
        return self._status.last_sync_at if self._status is not None else None

    def _sync_running(self) -> bool:
        return bool(self.ctx.sync is not None and self.ctx.sync.running)

    def reload(self) -> None:
        """Read the board rows and sync status from the store (on the database worker)."""
        store = self.ctx.store
        if store is None:
            return
        sort = self.board.model.sort_state
        seen = self._notes_seen()

        def read() -> tuple[Any, Any]:
            from dataclasses import replace

            withdrawn = store.withdrawn_visits()
            rows = mark_withdrawn(store.visit_rows(), withdrawn)
            marks = {visit_id: ("new" if visit_id not in seen else "updated", note.strip())
                     for visit_id, note in store.office_notes().items()
                     if seen.get(visit_id) != note.strip()}
            return replace(prepare_rows(rows, sort), note_marks=marks,
                           withdrawals=withdrawn), store.status()

        (self.ctx.tasks.db(read, parent=self)
            .success(self._loaded).label(_("Reading your visits")).run())

    def _notes_seen(self) -> dict[str, str]:
        """The office notes the technician last saw on each visit's page."""
        settings = self.ui_settings
        settings.beginGroup("officeNotesSeen")
        try:
            return {key: str(settings.value(key) or "") for key in settings.childKeys()}
        finally:
            settings.endGroup()

    def _loaded(self, data: tuple[Any, Any]) -> None:
        rows, status = data
        self._status = status
        self._rows_loaded = True
        self.board.set_rows(rows)
        self.status.set_status(status)
        if self.ctx.signed_in and self.pages.currentWidget() is not self.visit_page:
            self._show_board_or_placeholder()
        if self._diff_after_load:
            self._diff_after_load = False
            self._note_day_changes()
        self.board_loaded.emit()
        if self._sync_after_load:
            self._sync_after_load = False
            QTimer.singleShot(0, self._start_sync)
        if self._pending_visit:
            visit_id, self._pending_visit = self._pending_visit, None
            if self.board.model.row_of(visit_id) >= 0:
                self.open_visit(visit_id)

    # --- sync -------------------------------------------------------------------
    def sync_now(self) -> None:
        sync = self.ctx.sync
        if not self.ctx.signed_in or sync is None:
            self.statusBar().showMessage(_("Sign in to sync."), 5_000)
            return
        if not sync.sync_now("manual"):
            self.statusBar().showMessage(_("A sync is already running."), 5_000)

    def _sync_finished(self, result: Any) -> None:
        log.debug("Sync finished: ok=%s busy=%s", result.ok, getattr(result, "busy", False))
        from ui.statusbar import sync_error_text

        self.status.set_finished(result)
        if result.ok and self.day_bar.pending:
            self.send_day_status()
        if getattr(result, "busy", False):
            self.statusBar().showMessage(sync_error_text(result), 8_000)
        elif not result.ok and result.error:
            self.statusBar().showMessage(
                _("Sync failed: {reason}").format(reason=sync_error_text(result)), 15_000)
        self._diff_after_load = self._day_before is not None
        self.reload()
        if result.ok:
            self.help_answers.check()  # the office's answers to help from the field
            self.digest.refresh()
        urgent = list(result.new_urgent_visit_ids or [])
        if urgent:
            self._notify_urgent(urgent)

    def _notify_urgent(self, visit_ids: list[str]) -> None:
        store = self.ctx.store
        wanted = set(visit_ids)

        def rows() -> list[Any]:
            return [r for r in store.visit_rows() if r.id in wanted]

        def show(found: list[Any]) -> None:
            for row in found[:3]:
                self.notifier.notify(_("New urgent visit"),
                                     f"{row.customer_name} · {row.site_name}: "
                                     f"{summary_of(row)}")
            if len(found) > 3:
                more = len(found) - 3
                self.notifier.notify(_("New urgent visits"),
                                     ngettext("{count} more on your board",
                                              "{count} more on your board", more)
                                     .format(count=more))

        self.ctx.tasks.db(rows, parent=self).success(show).label(_("Reading new visits")).run()

    # --- visit ------------------------------------------------------------------
    def open_visit(self, visit_id: str) -> None:
        from ui.visit.data import load_bundle

        store = self.ctx.store
        if store is None:
            return
        (self.ctx.tasks.db(lambda: load_bundle(store, visit_id), parent=self)
            .success(self._show_visit).label(_("Opening the visit")).run())

    def _show_visit(self, bundle: Any) -> None:
        from ui.visit.detail import VisitDetail

        if self.detail is not None:
            self.detail.setParent(None)
            self.detail.deleteLater()
        visit = bundle.visit
        seen_key = f"officeNotesSeen/{visit.id}"
        seen = self.ui_settings.value(seen_key)
        self.detail = VisitDetail(bundle, office_notes_seen=None if seen is None else str(seen))
        self.ui_settings.setValue(seen_key, visit.office_notes.strip())
        self.board.model.clear_note_mark(visit.id)
        self.detail.back_requested.connect(self.show_board)
        self.detail.start_session.connect(self.open_session)
        self.detail.notes_saved.connect(self.save_visit_notes)
        if self.visit_page is None:
            self.visit_page = QWidget()
            self.visit_page.setObjectName("visitPage")
            self.visit_layout = QVBoxLayout(self.visit_page)
            self.visit_layout.setContentsMargins(0, 0, 0, 0)
            self.pages.addWidget(self.visit_page)
        assert self.visit_layout is not None
        self.visit_layout.addWidget(self.detail)
        self.pages.setCurrentWidget(self.visit_page)
        self.detail.back.setFocus()
        self.visit_opened.emit(bundle.visit.id)

    def refresh_visit(self) -> None:
        """The store changed under the open visit page: read it again (status, times,
        the office's notes and the actions its state allows)."""
        from ui.visit.data import load_bundle

        store = self.ctx.store
        on_visit = self.pages.currentWidget() is self.visit_page
        if store is None or self.detail is None or not on_visit:
            return
        visit_id = self.detail.bundle.visit.id
        typing = self.detail.my_notes.toPlainText()
        edited = typing != self.detail.bundle.visit.technician_notes

        def shown(bundle: Any) -> None:
            if self.detail is None or self.detail.bundle.visit.id != visit_id:
                return
            focus = self.focusWidget()
            self._show_visit(bundle)
            if edited:  # never lose what is being typed
                self.detail.my_notes.setPlainText(typing)
            if focus is None or focus.objectName() != "visitBack":
                self.detail.setFocus()

        (self.ctx.tasks.db(lambda: load_bundle(store, visit_id), parent=self)
            .success(shown).label(_("Opening the visit")).run())

    def save_visit_notes(self, visit_id: str, notes: str) -> None:
        store = self.ctx.store
        if store is None:
            return
        (self.ctx.tasks.db(lambda: store.update_visit(visit_id, technician_notes=notes),
                           parent=self)
            .success(lambda _r: self.statusBar().showMessage(
                _("Notes saved. They go to the office with the next sync."), 8_000))
            .label(_("Saving your notes")).run())

    def show_board(self) -> None:
        if not self.ctx.signed_in:
            return
        visit_id = self.detail.bundle.visit.id if self.detail is not None else None
        self._show_board_or_placeholder()
        if visit_id:
            self.board.select_visit(visit_id)

    def open_session(self, visit_id: str) -> None:
        from ui.session import SessionWindow

        window = SessionWindow(self.ctx, visit_id)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        close = QAction(_("Close the session window"), window)
        close.setObjectName("actionCloseSession")
        close.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Close)
                           or [QKeySequence("Ctrl+W")])
        close.triggered.connect(window.close)
        window.addAction(close)  # the session window can be closed from the keyboard
        window.destroyed.connect(lambda _o=None, w=window: self._forget_session(w))
        self.session_windows.append(window)
        window.show()

    def _forget_session(self, window: QWidget) -> None:
        if window in self.session_windows:
            self.session_windows.remove(window)

    # --- dialogs ---------------------------------------------------------------------
    def _open_dialog(self, key: str, factory: Callable[[], Any]) -> Any:
        dialog = self._dialogs.get(key)
        if dialog is None:
            dialog = factory()
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.finished.connect(lambda _r, k=key: self._dialogs.pop(k, None))
            self._dialogs[key] = dialog
            dialog.open()
        else:
            dialog.raise_()
            dialog.activateWindow()
        return dialog

    def open_sign_in(self) -> Any:
        from ui.dialogs.sign_in import SignInDialog

        ctx = self.ctx
        if ctx.account is None:
            self.statusBar().showMessage(
                _("Still opening your data; try again in a moment."), 5_000)
            return None
        dialog = self._open_dialog("sign_in", lambda: SignInDialog(
            self, ctx.tasks, ctx.account.sign_in, server_url=ctx.settings.server_url,
            username=ctx.settings.username, notice=" ".join(ctx.notices) or None,
            set_up=ctx.account.set_up_office))
        dialog.signed_in.connect(self._signed_in)
        return dialog

    def _signed_in(self, user: Any, server_url: str, username: str) -> None:
        self.ctx.user = user
        self._save_settings(self.ctx.settings.replace(server_url=server_url, username=username))
        if self.ctx.sync is None:
            self._start_sync()
        else:
            self.sync_now()
        self.show_current_state()
        self.reload()

    def sign_out(self, discard_unsynced: bool = False) -> None:
        """Sign out; with changes still unsent, ask before discarding them."""
        account = self.ctx.account
        if account is None:
            return

        store = self.ctx.store
        pending = [0]

        def work() -> None:
            if store is not None:
                pending[0] = store.status().pending_ops  # what the dialog says is at stake
            account.sign_out(discard_unsynced=discard_unsynced)

        def done(_r: Any) -> None:
            core.stop_sync(self.ctx, wait=False)
            self.ctx.user = None
            self.board.set_rows([])
            self._status = None
            self.show_current_state()
            self.statusBar().showMessage(_("Signed out."), 8_000)

        def failed(exc: BaseException) -> None:
            if getattr(exc, "code", None) != "unsynced_changes":  # concierge.errors
                self.show_task_error(_("Signing out"), exc)
                return
            self._ask_before_discarding(people_message(exc), pending[0])

        (self.ctx.tasks.db(work, parent=self).success(done).failure(failed)
            .label(_("Signing out")).run())

    def _ask_before_discarding(self, text: str, pending: int) -> None:
        """Sync first is the default, then Cancel; discarding is explicit and counted."""
        from ui.dialogs.common import confirm_destructive

        discard = (ngettext("Discard {count} change and sign out",
                            "Discard {count} changes and sign out", pending).format(count=pending)
                   if pending else _("Discard the changes and sign out"))
        asked = confirm_destructive(self, _("Unsent changes"), text, safe=_("Sync first"),
                                    destructive=discard, destructive_name="signOutDiscard",
                                    object_name="signOutBox")
        assert asked.safe is not None
        asked.safe.clicked.connect(self.sync_now)
        asked.destructive.clicked.connect(lambda: self.sign_out(discard_unsynced=True))
        self.sign_out_box = asked.box

    def open_settings(self) -> Any:
        from ui.dialogs.settings import SettingsDialog

        active = self.server_in_use() if self.ctx.signed_in or self.ctx.backoffice else None
        dialog = self._open_dialog("settings", lambda: SettingsDialog(
            self, self.ctx.settings, active_server=active))
        dialog.saved.connect(self._save_settings)
        return dialog

    def _save_settings(self, settings: Settings) -> None:
        self.ctx.settings = settings
        if self.theme is not None:
            self.theme.apply(settings.theme, settings.large_touch_targets)
        if self.ctx.sync is not None:
            self.ctx.sync.set_interval(settings.sync_interval_minutes)
        path = self.ctx.paths.settings_file
        self.ctx.tasks.io(lambda: save_settings(settings, path)).label(_("Saving settings")).run()

    def open_conflicts(self, tab: int = 0) -> Any:
        from ui.dialogs.conflicts import ConflictsDialog

        if self.ctx.store is None:
            return None
        dialog = self._open_dialog("conflicts", lambda: ConflictsDialog(
            self, self.ctx.tasks, self.ctx.store))
        dialog.tabs.setCurrentIndex(tab)
        dialog.changed.connect(self.reload, Qt.ConnectionType.UniqueConnection)
        return dialog

    def open_remote_fixes(self) -> Any:
        """What the office resolved behind the scenes at this technician's customers."""
        from ui.remote_fixes import RemoteFixesDialog

        store = self.ctx.store
        if store is None:
            return None
        dialog: RemoteFixesDialog = self._open_dialog("remote_fixes",
                                                      lambda: RemoteFixesDialog(self))

        def show(fixes: list[Any]) -> None:
            if self._dialogs.get("remote_fixes") is dialog:  # not closed meanwhile
                dialog.set_fixes(fixes)

        self.ctx.tasks.db(store.remote_fixes).success(show).label(
            _("Reading what was resolved remotely")).run()
        return dialog

    def server_in_use(self) -> str:
        """The office this window talks to: the signed-in account's, the demo's, or the
        one in the settings (for the next sign-in)."""
        account = self.ctx.account
        url = getattr(account, "server_url", None) if self.ctx.signed_in else None
        if not url and self.ctx.backoffice is not None:
            url = getattr(self.ctx.backoffice, "url", None)
        return str(url or self.ctx.settings.server_url or "")

    def diagnostics(self) -> str:
        """Facts support asks for, without secrets: version, platform, folders, server, sync."""
        import platform

        from PySide6 import __version__ as pyside_version

        from concierge import __version__

        status = self._status
        lines = [
            f"Field Concierge {__version__}",
            f"Python {platform.python_version()}, PySide6 {pyside_version}, "
            f"{platform.system()} {platform.release()}",
            f"Data folder: {self.ctx.paths.data}",
            f"Logs: {self.ctx.paths.logs}",
            f"Server: {self.server_in_use() or '-'}",
            f"Signed in: {bool(self.ctx.signed_in)}",
        ]
        if status is not None:
            lines += [f"Last sync: {status.last_sync_at}", f"Unsent changes: {status.pending_ops}",
                      f"Conflicts: {status.conflicts}", f"Refused: {status.rejected}"]
        return "\n".join(lines)

    def _about(self) -> QMessageBox:
        from concierge import __version__, licenses

        server = self.server_in_use()
        text = "\n\n".join((
            _("Field Concierge {version}").format(version=__version__),
            _("Proactive visits with their telemetry evidence, offline first."),
            _("Licensed under the Apache License 2.0. Third-party components: see Show "
              "Details."),
            _("Data folder: {folder}").format(folder=self.ctx.paths.data),
            _("Server: {server}").format(server=server) if server else _("Server: not set"),
        ))
        box = self._message(_("About Field Concierge"), text)
        box.setDetailedText(licenses.summary_text(licenses.summary()))
        from PySide6.QtWidgets import QMessageBox

        copy = box.addButton(_("Copy diagnostics"), QMessageBox.ButtonRole.ActionRole)
        copy.setObjectName("copyDiagnostics")
        copy.setAccessibleName(_("Copy diagnostics to the clipboard"))
        copy.clicked.disconnect()  # an action here: the box stays open
        copy.clicked.connect(self._copy_diagnostics)
        return box

    def _copy_diagnostics(self) -> None:
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.clipboard().setText(self.diagnostics())
        self.statusBar().showMessage(_("Diagnostics copied to the clipboard."), 8_000)

    def _message(self, title: str, text: str,
                 buttons: QMessageBox.StandardButton | None = None) -> QMessageBox:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Information, title, text,
                          QMessageBox.StandardButton.Ok if buttons is None else buttons, self)
        box.setObjectName("messageBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def show_task_error(self, label: str, exc: BaseException) -> None:
        """Default for failed background work: say so in the status bar, log the details."""
        log.error("%s failed", label, exc_info=exc)
        self.statusBar().showMessage(_("{task} failed: {reason}").format(
            task=label, reason=people_message(exc)), 15_000)

    def second_launch(self, _arguments: list[str]) -> None:
        """Someone started the app again on this data folder: here it already is."""
        from ui.single_instance import bring_forward

        bring_forward(self)
        self.statusBar().showMessage(_("Field Concierge is already open: this is its window."),
                                     8_000)

    # --- geometry and last view ------------------------------------------------------
    def _restore(self) -> None:
        geometry = self.ui_settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.ui_settings.value("state")
        if state is not None:
            self.restoreState(state)
        group = str(self.ui_settings.value("group", ""))
        if group in ("today", "upcoming", "done", ""):
            self.board.set_group(group)
        if self.ui_settings.value("view") == "visit":
            self._pending_visit = str(self.ui_settings.value("visit") or "") or None

    def forget_last_view(self) -> None:
        """Start on the board whatever was open last time."""
        self._pending_visit = None

    def save_view_state(self) -> None:
        on_visit = self.pages.currentWidget() is self.visit_page and self.detail is not None
        self.ui_settings.setValue("geometry", self.saveGeometry())
        self.ui_settings.setValue("state", self.saveState())
        self.ui_settings.setValue("view", "visit" if on_visit else "board")
        self.ui_settings.setValue("visit", self.detail.bundle.visit.id if on_visit else "")
        self.ui_settings.setValue("group", self.board.current_group())
        self.ui_settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_view_state()
        self._reload_timer.stop()
        self._visit_timer.stop()
        for window in list(self.session_windows):
            window.close()
        for dialog in list(self._dialogs.values()):
            dialog.close()
        self.notifier.close()
        super().closeEvent(event)
