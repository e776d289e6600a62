# SPDX-License-Identifier: Apache-2.0
"""What a sync changed in the technician's day: reschedules, priorities, new and withdrawn
visits. Compared on board rows, before and after; shown as a list and a notification."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QVBoxLayout, QWidget

from concierge.i18n import _
from ui.format import WITHDRAWN, local, place_text, priority_name, status_name, window_text
from ui.withdrawal import office_note_text, withdrawal_sentence


@dataclass(frozen=True)
class DayChange:
    visit_id: str
    kind: str  # new, rescheduled, priority, status, withdrawn
    text: str
    urgent: bool = False


def snapshot(rows: Iterable[Any], withdrawals: Mapping[str, Any] | None = None
             ) -> dict[str, tuple[Any, ...]]:
    """What the diff compares, per visit; ``withdrawals``: why the office took visits away."""
    reasons = withdrawals or {}
    return {r.id: (r.window_start, r.window_end, r.priority, r.status, place_text(r),
                   reasons.get(r.id)) for r in rows}


def diff_day(before: dict[str, tuple[Any, ...]], after: dict[str, tuple[Any, ...]]
             ) -> list[DayChange]:
    """The changes between two snapshots, most urgent first."""
    changes: list[DayChange] = []
    for visit_id, (start, end, priority, status, place, withdrawal) in after.items():
        old = before.get(visit_id)
        if old is None:
            changes.append(DayChange(visit_id, "new", _("New visit: {place}, {when}, {priority}")
                                     .format(place=place, when=window_text(start, end),
                                             priority=priority_name(priority)), priority == 1))
            continue
        old_start, old_end, old_priority, old_status, _place, _reason = old
        if old_status != status and status == WITHDRAWN:
            changes.append(DayChange(visit_id, "withdrawn", _("{place}: {reason} {note}").format(
                place=place, reason=withdrawal_sentence(withdrawal),
                note=office_note_text(withdrawal)), True))
        elif old_status != status:
            changes.append(DayChange(visit_id, "status", _("{place}: now {status}").format(
                place=place, status=status_name(status)), True))
        if (local(old_start), local(old_end)) != (local(start), local(end)):
            changes.append(DayChange(visit_id, "rescheduled", _(
                "{place}: moved from {before} to {after}").format(
                    place=place, before=window_text(old_start, old_end),
                    after=window_text(start, end)), False))
        if old_priority != priority:
            changes.append(DayChange(visit_id, "priority", _(
                "{place}: priority {before} → {after}").format(
                    place=place, before=priority_name(old_priority),
                    after=priority_name(priority)), priority < old_priority))
    return sorted(changes, key=lambda c: not c.urgent)


class DayChangesDialog(QDialog):
    """The changes since the technician last looked; "Seen" clears them."""

    seen = Signal()

    def __init__(self, parent: QWidget, changes: list[DayChange]) -> None:
        super().__init__(parent)
        self.setObjectName("dayChangesDialog")
        self.setWindowTitle(_("What changed in your day"))
        self.resize(560, 360)
        intro = QLabel(_("Changes the office made since you last looked:"))
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("dayChangesList")
        self.list.setAccessibleName(_("Changes to your day"))
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for change in changes:
            self.list.addItem(("⚠ " if change.urgent else "") + change.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.setObjectName("dayChangesButtons")
        self.seen_button = buttons.addButton(_("Mark as seen"),
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.seen_button.setObjectName("dayChangesSeen")
        self.seen_button.setAccessibleName(_("Mark the changes as seen"))
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("dayChangesClose")
        close.setAccessibleName(_("Close"))
        buttons.accepted.connect(self._seen)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def _seen(self) -> None:
        self.seen.emit()
        self.accept()
