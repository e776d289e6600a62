# SPDX-License-Identifier: Apache-2.0
"""Conflicts (keep mine / use the office's / merge per field) and changes needing attention."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from concierge.i18n import _, pgettext
from ui.dialogs.common import button, named
from ui.errors import office_error_text
from ui.format import clock, date_text, local
from ui.tasks import TaskManager

MINE, THEIRS = "mine", "theirs"


def _show(value: Any) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, default=str)


def field_name(name: str) -> str:
    """A record field as the person knows it."""
    names = {"status": pgettext("field", "Status"), "technician_notes": _("Technician notes"),
             "outcome": _("Outcome"), "office_notes": _("Office notes"),
             "window_start": _("Start"), "window_end": _("End"), "priority": _("Priority"),
             "summary": _("Reason")}
    return names.get(name, name.replace("_", " "))


def entity_name(entity: str) -> str:
    names = {"visit": _("Visit"), "session": pgettext("entity", "Session"),
             "site": _("Site"), "asset": _("Asset"), "attachment": _("Attachment")}
    return names.get(entity, entity.capitalize())


class ConflictsDialog(QDialog):
    """Reads and resolves through the store, on the task runner's database thread."""

    changed = Signal()

    def __init__(self, parent: QWidget | None, tasks: TaskManager, store: Any) -> None:
        super().__init__(parent)
        self.setObjectName("conflictsDialog")
        self.setAccessibleName(_("Conflicts and changes that need attention"))
        self.setWindowTitle(_("Conflicts and needs attention"))
        self._tasks = tasks
        self._store = store
        self._conflicts: list[Any] = []
        self._rejected: list[Any] = []
        self.tabs = QTabWidget()
        named(self.tabs, "conflictTabs", _("Conflicts or needs attention"))
        self.tabs.addTab(self._build_conflicts(), _("Conflicts"))
        self.tabs.addTab(self._build_attention(), _("Needs attention"))
        self.close_button = button(_("Decide later"), "conflictsClose",
                                   _("Close and decide later"))
        self.close_button.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addLayout(bottom)
        self.resize(860, 520)
        self.reload()

    # --- conflicts -------------------------------------------------------------
    def _build_conflicts(self) -> QWidget:
        page = QWidget()
        self.conflict_list = QListWidget()
        named(self.conflict_list, "conflictList", _("Conflicts"))
        self.conflict_list.currentRowChanged.connect(self._show_conflict)
        intro = QLabel(_("The office changed these records while you did too. Choose what to keep "
                       "for each field, or keep one side entirely."))
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        self.fields = QTableWidget(0, 4)
        named(self.fields, "conflictFields", _("Differing fields"))
        self.fields.setHorizontalHeaderLabels([_("Field"), _("Yours"), _("Office's"), _("Keep")])
        self.fields.verticalHeader().hide()
        self.fields.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fields.setWordWrap(True)
        header = self.fields.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.keep_mine = button(_("Keep mine"), "conflictKeepMine",
                                _("Keep my version"))
        self.use_theirs = button(_("Use the office's"), "conflictUseTheirs",
                                 _("Use the office's version"))
        self.merge = button(_("Merge as chosen"), "conflictMerge", _("Merge the chosen fields"),
                            primary=True)
        self.keep_mine.clicked.connect(lambda: self._resolve(MINE))
        self.use_theirs.clicked.connect(lambda: self._resolve(THEIRS))
        self.merge.clicked.connect(lambda: self._resolve("merge"))
        self.conflict_empty = QLabel(_("No conflicts. Everything you changed reached the office."))
        self.conflict_empty.setObjectName("conflictsEmpty")
        self.conflict_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(intro)
        rl.addWidget(self.fields, 1)
        actions = QHBoxLayout()
        actions.addStretch(1)
        for widget in (self.keep_mine, self.use_theirs, self.merge):
            actions.addWidget(widget)
        rl.addLayout(actions)
        split = QSplitter()
        split.addWidget(self.conflict_list)
        split.addWidget(right)
        split.setSizes([260, 600])
        layout = QVBoxLayout(page)
        layout.addWidget(self.conflict_empty)
        layout.addWidget(split, 1)
        self._conflict_split = split
        return page

    def _show_conflict(self, row: int) -> None:
        self.fields.setRowCount(0)
        has = 0 <= row < len(self._conflicts)
        for widget in (self.keep_mine, self.use_theirs, self.merge):
            widget.setEnabled(has)
        if not has:
            return
        conflict = self._conflicts[row]
        names = list(conflict.fields_differing)
        self.fields.setRowCount(len(names))
        for i, name in enumerate(names):
            self.fields.setItem(i, 0, QTableWidgetItem(field_name(name)))
            self.fields.setItem(i, 1, QTableWidgetItem(_show(conflict.local.get(name))))
            self.fields.setItem(i, 2, QTableWidgetItem(_show(conflict.server.get(name))))
            choice = QComboBox()
            named(choice, f"conflictChoice_{name}",
                  _("Keep which {field}").format(field=field_name(name)))
            choice.addItem(_("Yours"), MINE)
            choice.addItem(_("Office's"), THEIRS)
            self.fields.setCellWidget(i, 3, choice)
        self.fields.resizeRowsToContents()

    def merged_values(self) -> dict[str, Any]:
        """The field-by-field choice for the shown conflict."""
        conflict = self._conflicts[self.conflict_list.currentRow()]
        merged: dict[str, Any] = {}
        for i, name in enumerate(conflict.fields_differing):
            choice = self.fields.cellWidget(i, 3)
            side = conflict.local if choice.currentData() == MINE else conflict.server  # type: ignore[attr-defined]
            merged[name] = side.get(name)
        return merged

    def choose(self, field: str, side: str) -> None:
        """Set one field's choice (``mine`` or ``theirs``)."""
        conflict = self._conflicts[self.conflict_list.currentRow()]
        combo = self.fields.cellWidget(list(conflict.fields_differing).index(field), 3)
        combo.setCurrentIndex(combo.findData(side))  # type: ignore[attr-defined]

    def _resolve(self, how: str) -> None:
        row = self.conflict_list.currentRow()
        if not 0 <= row < len(self._conflicts):
            return
        conflict = self._conflicts[row]
        merged = self.merged_values() if how == "merge" else None
        store = self._store
        (self._tasks.db(lambda: store.resolve_conflict(conflict.id, how, merged), parent=self)
            .success(lambda _r: self._after_change())
            .label(_("Resolving the conflict"))
            .run())

    # --- needs attention ----------------------------------------------------------
    def _build_attention(self) -> QWidget:
        page = QWidget()
        intro = QLabel(_("The office refused these changes. Read the reason, redo what is needed "
                       "on the visit, then dismiss."))
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        self.rejected_list = QListWidget()
        named(self.rejected_list, "rejectedList", _("Changes that need attention"))
        self.rejected_list.setWordWrap(True)
        self.dismiss = button(_("Dismiss"), "rejectedDismiss",
                              _("Dismiss the selected change"))
        self.dismiss.clicked.connect(self._dismiss)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.dismiss)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addWidget(self.rejected_list, 1)
        layout.addLayout(row)
        return page

    def _dismiss(self) -> None:
        """Dismissing drops the refused change for good: ask, Cancel is the default."""
        from ui.dialogs.common import confirm_destructive

        row = self.rejected_list.currentRow()
        if not 0 <= row < len(self._rejected):
            return
        op_id = self._rejected[row].op_id
        asked = confirm_destructive(
            self, _("Dismiss the refused change?"),
            _("The office did not take this change, and dismissing it removes it from this "
              "list for good. Copy what you still need first."),
            safe=None, destructive=_("Dismiss the change"), destructive_name="dismissConfirm",
            object_name="dismissBox")
        asked.destructive.clicked.connect(lambda: self._dismiss_now(op_id))
        self.dismiss_box = asked.box

    def _dismiss_now(self, op_id: str) -> None:
        store = self._store
        (self._tasks.db(lambda: store.dismiss_rejected(op_id), parent=self)
            .success(lambda _r: self._after_change())
            .label(_("Dismissing the change"))
            .run())

    # --- loading ------------------------------------------------------------------
    def reload(self) -> None:
        store = self._store
        (self._tasks.db(lambda: (store.conflicts(), store.rejected_ops()), parent=self)
            .success(self._loaded)
            .label(_("Loading conflicts"))
            .run())

    def _after_change(self) -> None:
        self.changed.emit()
        self.reload()

    def _loaded(self, data: tuple[list[Any], list[Any]]) -> None:
        self._conflicts, self._rejected = data
        self.conflict_list.clear()
        for conflict in self._conflicts:
            fields = ", ".join(field_name(f) for f in conflict.fields_differing)
            item = QListWidgetItem(f"{entity_name(conflict.entity)} {conflict.entity_id}\n{fields}")
            self.conflict_list.addItem(item)
        self._conflict_split.setVisible(bool(self._conflicts))
        self.conflict_empty.setVisible(not self._conflicts)
        if self._conflicts:
            self.conflict_list.setCurrentRow(0)
        self.rejected_list.clear()
        for op in self._rejected:
            when = local(op.made_at)
            stamp = f"{date_text(when, with_year=False)} {clock(when)}" if when else ""
            reason = (_("The office no longer has this for you: it was cancelled or given to "
                        "someone else. What you typed is kept on the visit's page.")
                      if op.code == "not_found" and op.entity in ("visit", "session")
                      else office_error_text(op.code, op.reason))
            self.rejected_list.addItem(
                f"{entity_name(op.entity)} {op.entity_id} · {stamp}\n{reason}")
        if self._rejected:
            self.rejected_list.setCurrentRow(0)
        self.dismiss.setEnabled(bool(self._rejected))
        self.tabs.setTabText(0, _("Conflicts ({count})").format(count=len(self._conflicts)))
        self.tabs.setTabText(1, _("Needs attention ({count})").format(count=len(self._rejected)))
