# SPDX-License-Identifier: Apache-2.0
"""The board page: group tabs, search, status filter, sort, and the visit table."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QPaintEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from concierge.i18n import _, pgettext
from ui.board.model import (
    GROUPS,
    ROW_ROLE,
    Column,
    PreparedRows,
    VisitFilterProxy,
    VisitTableModel,
)
from ui.format import STATUS_KEYS, priority_name, status_name

SORTS = (Column.PRIORITY, Column.WINDOW)


def group_title(key: str, count: int) -> str:
    titles = {"today": _("Today ({count})"), "upcoming": _("Upcoming ({count})"),
              "done": pgettext("board group", "Done ({count})"), "": _("All ({count})")}
    return titles[key].format(count=count)


def sort_name(column: Column) -> str:
    return _("Sort: priority") if column == Column.PRIORITY else _("Sort: time")


class BoardTable(QTableView):
    """The visit table: Enter opens the current visit, and ``first_painted`` tells when
    its rows were first painted (start-up work that can wait, waits for it)."""

    first_painted = Signal()
    enter_pressed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.painted = False

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.painted and self.model() is not None and self.model().rowCount():
            self.painted = True
            self.first_painted.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enter_pressed.emit()
            return
        super().keyPressEvent(event)


class BoardView(QWidget):
    open_visit = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("board")
        self.model = VisitTableModel(self)
        self.proxy = VisitFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.groups = QTabBar()
        self.groups.setObjectName("boardGroups")
        self.groups.setAccessibleName(_("Visit group"))
        self.groups.setExpanding(False)
        self._group_keys = [*GROUPS, ""]
        for key in self._group_keys:
            self.groups.addTab(group_title(key, 0))
        self.groups.currentChanged.connect(self._group_changed)

        self.search = QLineEdit()
        self.search.setObjectName("boardSearch")
        self.search.setAccessibleName(_("Search visits"))
        self.search.setPlaceholderText(_("Search customer, site, address or reason  (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filters_changed)

        self.status = QComboBox()
        self.status.setObjectName("boardStatusFilter")
        self.status.setAccessibleName(_("Filter by status"))
        self.status.addItem(_("Any status"), "")
        for key in STATUS_KEYS:
            self.status.addItem(status_name(key), key)
        self.status.currentIndexChanged.connect(self._filters_changed)

        self.sort = QComboBox()
        self.sort.setObjectName("boardSort")
        self.sort.setAccessibleName(_("Sort visits by"))
        for column in SORTS:
            self.sort.addItem(sort_name(column), int(column))
        self.sort.currentIndexChanged.connect(self._sort_changed)

        self.table = BoardTable()
        self.table.setObjectName("visitTable")
        self.table.setAccessibleName(_("Visits"))
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)  # the tooltip has it all
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        widths = {Column.PRIORITY: 90, Column.WINDOW: 185, Column.CUSTOMER: 340,
                  Column.STATUS: 110, Column.OFFLINE: 150}
        for column, width in widths.items():
            header.resizeSection(column, max(width, self._words_width(column)))
        header.setSectionResizeMode(Column.REASON, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicator(Column.PRIORITY, Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self._header_sorted)
        self.table.activated.connect(self._activated)
        self.table.enter_pressed.connect(lambda: self._activated(self.table.currentIndex()))

        self.no_match = QWidget()
        self.no_match.setObjectName("boardNoMatch")
        nm = QVBoxLayout(self.no_match)
        nm.addStretch(1)
        self.no_match_label = QLabel(_("No visits match these filters."))
        self.no_match_label.setObjectName("emptyHint")
        self.no_match_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clear_button = QPushButton(_("Clear filters"))
        self.clear_button.setObjectName("boardClearFilters")
        self.clear_button.setAccessibleName(_("Clear filters"))
        self.clear_button.clicked.connect(self.clear_filters)
        nm.addWidget(self.no_match_label)
        nm.addWidget(self.clear_button, alignment=Qt.AlignmentFlag.AlignCenter)
        nm.addStretch(2)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.no_match)

        bar = QHBoxLayout()
        bar.addWidget(self.groups)
        bar.addSpacing(12)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.status)
        bar.addWidget(self.sort)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)

        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)
        for first, second in ((self.groups, self.search), (self.search, self.status),
                              (self.status, self.sort), (self.sort, self.table)):
            QWidget.setTabOrder(first, second)
        self.proxy.modelReset.connect(self._update_counts)
        self.proxy.layoutChanged.connect(self._update_counts)
        self.proxy.rowsInserted.connect(self._update_counts)
        self.proxy.rowsRemoved.connect(self._update_counts)

    # --- data -----------------------------------------------------------------
    def set_rows(self, rows: list[Any] | PreparedRows) -> None:
        selected = self.current_visit_id()
        self.model.set_rows(rows)
        if selected:
            self.select_visit(selected)
        self._update_counts()

    def current_visit_id(self) -> str | None:
        index = self.table.currentIndex()
        row = index.data(ROW_ROLE) if index.isValid() else None
        return row.id if row is not None else None

    def select_visit(self, visit_id: str) -> bool:
        source_row = self.model.row_of(visit_id)
        if source_row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        if not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    # --- filters ----------------------------------------------------------------
    def current_group(self) -> str:
        return self._group_keys[self.groups.currentIndex()]

    def set_group(self, group: str) -> None:
        self.groups.setCurrentIndex(self._group_keys.index(group))

    def clear_filters(self) -> None:
        self.search.clear()
        self.status.setCurrentIndex(0)
        self.set_group("")

    def _group_changed(self, index: int) -> None:
        self.proxy.set_group(self._group_keys[index])
        self._update_counts()

    def _filters_changed(self, *_args: object) -> None:
        self.proxy.set_status(self.status.currentData() or "")
        self.proxy.set_search(self.search.text())
        self._update_counts()

    def _sort_changed(self, index: int) -> None:
        self.table.sortByColumn(self.sort.itemData(index), Qt.SortOrder.AscendingOrder)

    def _header_sorted(self, column: int, _order: Qt.SortOrder) -> None:
        match = self.sort.findData(column)
        if match >= 0 and match != self.sort.currentIndex():
            self.sort.blockSignals(True)
            self.sort.setCurrentIndex(match)
            self.sort.blockSignals(False)

    def _words_width(self, column: Column) -> int:
        """Room for the longest word a column shows in the UI language (longer in German
        than in English), so no priority or status is cut off."""
        from datetime import datetime, timedelta

        from ui.format import WITHDRAWN, window_text
        from ui.withdrawal import withdrawal_statuses

        late = datetime(2030, 9, 25, 8, 0).astimezone()  # a long weekday and month name
        words = {Column.PRIORITY: [priority_name(p) for p in (1, 2, 3, 4)],
                 Column.STATUS: [*(status_name(k) for k in (*STATUS_KEYS, WITHDRAWN)),
                                 *withdrawal_statuses(late)],
                 Column.WINDOW: [window_text(late, late + timedelta(hours=4))],
                 Column.OFFLINE: [f"{_('✓ Ready')} · {_('conflict')}"]}.get(column, [])
        metrics = self.table.fontMetrics()
        icon = 22 if column == Column.PRIORITY else 0  # the priority dot
        return max((metrics.horizontalAdvance(w) for w in words), default=0) + 36 + icon

    def _update_counts(self, *_args: object) -> None:
        counts = self.model.group_counts()
        counts[""] = self.model.total()
        for i, key in enumerate(self._group_keys):
            self.groups.setTabText(i, group_title(key, counts[key]))
        empty = self.proxy.rowCount() == 0 and self.model.rowCount() > 0
        self.stack.setCurrentWidget(self.no_match if empty else self.table)
        if self.proxy.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.proxy.index(0, 0))

    # --- opening ------------------------------------------------------------------
    def _activated(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row is not None:
            self.open_visit.emit(row.id)
