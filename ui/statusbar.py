# SPDX-License-Identifier: Apache-2.0
"""Sync status in the status bar: online, last sync, pending, conflicts, progress, sync now."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from concierge.i18n import _, ngettext
from ui.format import ago


def phase_name(phase: str) -> str:
    names = {"push": _("Sending changes"), "pull": _("Receiving updates"),
             "telemetry": _("Fetching telemetry"), "attachments": _("Transferring files"),
             "history": _("Today's work is ready; fetching history")}
    return names.get(phase, _("Syncing"))


def sync_error_text(result: Any) -> str:
    """Why a sync failed, for the person, in the UI language: busy by its flag, else the
    failure's code rendered from the catalogue (English ``error`` only from an older core)."""
    from concierge.i18n import ui
    from concierge.sync.failures import failure_text

    if getattr(result, "busy", False):
        return _("Another sync of this data is running (another window or `concierge sync`).")
    failure = getattr(result, "failure", None)
    if failure is not None:
        return failure_text(failure, ui())
    if getattr(result, "offline", False):
        return _("The back office cannot be reached; working offline.")
    return str(getattr(result, "error", "") or _("unknown cause"))


def stored_error_text(status: Any) -> str | None:
    """The store's last sync failure (it outlives the app) in the UI language."""
    from concierge.i18n import ui
    from concierge.sync.failures import stored_failure_text

    return stored_failure_text(getattr(status, "last_failure", None), status.last_error, ui())


class SyncStatusWidget(QWidget):
    """Lives in the main window's status bar; knows nothing of the core but its values."""

    sync_requested = Signal()
    conflicts_requested = Signal()
    attention_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self._last_sync: Any = None
        self._last_error: str | None = None
        self.online = QLabel()
        self.online.setObjectName("onlineState")
        self.online.setAccessibleName(_("Connection"))
        self.last_sync = QLabel()
        self.last_sync.setObjectName("lastSync")
        self.last_sync.setAccessibleName(_("Last successful sync"))
        self.pending = QLabel()
        self.pending.setObjectName("pendingChanges")
        self.pending.setAccessibleName(_("Changes waiting to be sent"))
        self.conflicts = QPushButton()
        self.conflicts.setObjectName("conflictsButton")
        self.conflicts.setAccessibleName(_("Open conflicts"))
        self.conflicts.setProperty("flat", True)
        self.conflicts.clicked.connect(self.conflicts_requested)
        self.attention = QPushButton()
        self.attention.setObjectName("attentionButton")
        self.attention.setAccessibleName(_("Open changes that need attention"))
        self.attention.setProperty("flat", True)
        self.attention.clicked.connect(self.attention_requested)
        self.phase = QLabel()
        self.phase.setObjectName("syncPhase")
        self.progress = QProgressBar()
        self.progress.setObjectName("syncProgress")
        self.progress.setAccessibleName(_("Sync progress"))
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.sync_button = QPushButton(_("Sync now"))
        self.sync_button.setObjectName("syncNowButton")
        self.sync_button.setAccessibleName(_("Sync now"))
        self.sync_button.setToolTip(_("Sync now (F5, Ctrl+R)"))
        self.sync_button.clicked.connect(self.sync_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(14)
        for widget in (self.online, self.last_sync, self.pending, self.conflicts,
                       self.attention, self.phase, self.progress):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.sync_button)
        self._tick = QTimer(self, interval=30_000)
        self._tick.timeout.connect(self._show_last_sync)
        self._tick.start()
        self.set_online(False)
        self.set_counts(0, 0, 0)
        self.set_running(False)
        self._show_last_sync()

    def set_online(self, online: bool) -> None:
        self.online.setText(_("● Online") if online else _("○ Offline"))
        self.online.setProperty("state", "online" if online else "offline")
        self.online.setToolTip(
            "" if online else _("Working offline: changes are kept and sent later"))
        self._repolish(self.online)

    def set_status(self, status: Any) -> None:
        """From the store's ``SyncStatus``."""
        self._last_sync = status.last_sync_at
        failed_since = status.last_sync_at is None or (
            status.last_attempt_at is not None and status.last_attempt_at > status.last_sync_at)
        self._last_error = stored_error_text(status) if failed_since else None
        self.set_counts(status.pending_ops, status.conflicts, status.rejected)
        self._show_last_sync()

    def set_counts(self, pending: int, conflicts: int, rejected: int) -> None:
        self.pending.setText(
            ngettext("{count} pending change", "{count} pending changes", pending)
            .format(count=pending) if pending else _("Nothing pending"))
        self.conflicts.setText(ngettext("{count} conflict", "{count} conflicts", conflicts)
                               .format(count=conflicts))
        self.conflicts.setVisible(conflicts > 0)
        self.attention.setText(ngettext("{count} needs attention", "{count} need attention",
                                        rejected).format(count=rejected))
        self.attention.setVisible(rejected > 0)

    def set_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.phase.setVisible(running)
        self.sync_button.setEnabled(not running)
        if running:
            self.progress.setRange(0, 0)
            self.phase.setText(_("Syncing…"))

    def set_progress(self, progress: Any) -> None:
        self.set_running(True)
        self.phase.setText(_("{phase}…").format(phase=phase_name(str(progress.phase))))
        if progress.total:
            self.progress.setRange(0, int(progress.total))
            self.progress.setValue(int(progress.done))
        else:
            self.progress.setRange(0, 0)

    def set_finished(self, result: Any) -> None:
        self.set_running(False)
        if getattr(result, "busy", False):
            pass  # another process synced this data; the next store read shows its outcome
        elif result.ok:
            self._last_sync = result.finished_at
            self._last_error = None
        else:
            self._last_error = sync_error_text(result)
        self._show_last_sync()

    def _show_last_sync(self) -> None:
        text = (_("Never synced") if self._last_sync is None
                else _("Synced {ago}").format(ago=ago(self._last_sync)))
        if self._last_error:
            text = _("{synced} · last attempt failed").format(synced=text)
        self.last_sync.setText(text)
        self.last_sync.setToolTip(self._last_error or "")

    @staticmethod
    def _repolish(widget: QWidget) -> None:
        """Re-apply the style sheet after a property change (not needed before the first
        polish; and touching the style from Python first costs start-up)."""
        if not widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
            return
        widget.style().unpolish(widget)
        widget.style().polish(widget)
