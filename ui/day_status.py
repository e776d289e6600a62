# SPDX-License-Identifier: Apache-2.0
"""The technician's day in one tap: Travelling (on my way), On site, Break, Done.

Time on site is counted per visit and kept in the window's settings file, so it survives
a restart; each change is reported to the office (``PUT /v1/me/day-status``), and a report
that could not be sent (offline) goes with the next successful sync."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from concierge.i18n import _

log = logging.getLogger(__name__)
STATUSES = ("travelling", "on_site", "break", "done")


def status_label(status: str) -> str:
    return {"travelling": _("On my way"), "on_site": _("On site"), "break": _("Break"),
            "done": _("Done for today")}[status]


def minutes_text(seconds: float) -> str:
    minutes = int(seconds // 60)
    return _("{hours}:{minutes:02d} h on site").format(hours=minutes // 60, minutes=minutes % 60)


class DayStatusBar(QFrame):
    """Four exclusive buttons; ``visit_for`` names the visit the technician is at (the
    open visit page or the selected board row)."""

    changed = Signal(str)

    def __init__(self, settings: QSettings, visit_for: Callable[[], tuple[str, str] | None],
                 clock: Callable[[], float] = time.time, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dayStatusBar")
        self._settings = settings
        self._visit_for = visit_for
        self._clock = clock
        self.status = str(settings.value("day/status", "") or "")
        self.visit_id = str(settings.value("day/visit", "") or "") or None
        self.visit_name = str(settings.value("day/visitName", "") or "")
        self.since = float(str(settings.value("day/since", 0.0) or 0.0))
        self.pending = settings.value("day/pending", "false") in (True, "true")
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 4, 12, 4)
        intro = QLabel(_("My day:"))
        intro.setProperty("role", "muted")
        row.addWidget(intro)
        for status in STATUSES:
            button = QPushButton(status_label(status))
            button.setObjectName(f"day_{status}")
            button.setAccessibleName(_("Set my status: {status}").format(
                status=status_label(status)))
            button.setCheckable(True)
            button.setChecked(status == self.status)
            button.clicked.connect(lambda _c=False, s=status: self.set_status(s))
            self.group.addButton(button)
            self.buttons[status] = button
            row.addWidget(button)
        self.summary = QLabel()
        self.summary.setObjectName("dayStatusSummary")
        row.addWidget(self.summary, 1)
        self._tick = QTimer(self, interval=30_000)
        self._tick.timeout.connect(self._show)
        self._tick.start()
        self._show()

    # --- time on site ------------------------------------------------------------------
    def on_site_seconds(self) -> dict[str, float]:
        stored: Any = self._settings.value("day/onSite", {}) or {}
        totals = {str(k): float(v) for k, v in dict(stored).items()}
        if self.status == "on_site" and self.visit_id:
            totals[self.visit_id] = totals.get(self.visit_id, 0.0) + max(
                0.0, self._clock() - self.since)
        return totals

    def set_status(self, status: str) -> None:
        now = self._clock()
        totals = self.on_site_seconds()  # closes an open stretch on site
        self._settings.setValue("day/onSite", totals)
        target = self._visit_for() if status in ("travelling", "on_site") else None
        if status in ("travelling", "on_site") and target is None:
            target = (self.visit_id, self.visit_name) if self.visit_id else None
        self.status, self.since = status, now
        self.visit_id, self.visit_name = (target if target else (None, ""))
        for key, value in (("day/status", status), ("day/visit", self.visit_id or ""),
                           ("day/visitName", self.visit_name), ("day/since", now)):
            self._settings.setValue(key, value)
        self.buttons[status].setChecked(True)
        self.mark_pending(True)
        self._show()
        self.changed.emit(status)

    def report(self) -> Any:
        from concierge.protocol.schemas import DayStatusReport

        return DayStatusReport(status=self.status, visit_id=self.visit_id,
                               at=datetime.fromtimestamp(self.since or self._clock(), UTC),
                               on_site_seconds=self.on_site_seconds())

    def mark_pending(self, pending: bool) -> None:
        self.pending = pending
        self._settings.setValue("day/pending", "true" if pending else "false")
        self._show()

    def _show(self) -> None:
        if not self.status:
            self.summary.setText(_("Tap where you are: the office sees it."))
            return
        where = f" · {self.visit_name}" if self.visit_name and self.status in (
            "travelling", "on_site") else ""
        spent = self.on_site_seconds().get(self.visit_id or "", 0.0) if self.visit_id else 0.0
        parts = [status_label(self.status) + where]
        if spent:
            parts.append(minutes_text(spent))
        parts.append(_("not yet sent to the office") if self.pending
                     else _("the office knows"))
        self.summary.setText(" · ".join(parts))
