# SPDX-License-Identifier: Apache-2.0
"""Table model over the store's ``VisitRow`` list, and the filtered view of it the table shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from enum import IntEnum
from time import time as epoch_seconds
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QPixmap

from concierge.i18n import N_, _, pgettext
from concierge.store.board import BOARD_GROUPS, FirstScreen
from ui.format import (
    DONE_STATUSES,
    STATUS_KEYS,
    WITHDRAWN,
    as_datetime,
    local,
    place_text,
    priority_name,
    priority_tone,
    status_name,
    summaries_of,
    summary_of,
    window_text,
)
from ui.theme import AA_GRAPHIC, semantic
from ui.withdrawal import office_note_text, withdrawal_sentence, withdrawal_status

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
GROUP_ROLE = Qt.ItemDataRole.UserRole + 2
NO_PARENT = QModelIndex()
DISPLAY_ROLES = frozenset((Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole))
# the roles the board answers; the view asks each cell for more (font, alignment,
# background, check state...) on every paint: those are turned away before any work
ANSWERED_ROLES = frozenset((*DISPLAY_ROLES, Qt.ItemDataRole.ToolTipRole,
                            Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ForegroundRole,
                            ROW_ROLE, GROUP_ROLE))


class Column(IntEnum):
    PRIORITY = 0
    WINDOW = 1
    CUSTOMER = 2
    REASON = 3
    STATUS = 4
    OFFLINE = 5


_HEADERS = {Column.PRIORITY: N_("Priority"), Column.WINDOW: N_("When"),
            Column.CUSTOMER: N_("Customer · site"), Column.REASON: N_("Why"),
            Column.STATUS: N_("Status")}


def header(column: Column) -> str:
    """The column's title (asked for often while the table lays out: one lookup each)."""
    if column == Column.OFFLINE:
        return pgettext("board column", "Offline")
    return _(_HEADERS[column])
GROUPS = BOARD_GROUPS


def group_of(row: Any, today: Any) -> str:
    """today (incl. overdue open visits), upcoming, or done."""
    if row.status in DONE_STATUSES:
        return "done"
    start = local(row.window_start)
    return "upcoming" if start is not None and start.date() > today else "today"


def offline_text(row: Any) -> str:
    parts = [_("✓ Ready") if row.offline_ready else _("… Not yet")]
    if row.pending_changes:
        parts.append(_("unsent changes"))
    if row.has_conflict:
        parts.append(_("conflict"))
    return " · ".join(parts)


@dataclass(frozen=True)
class PreparedRows:
    """Rows sorted, grouped and indexed for search: built off the GUI thread."""

    rows: list[Any]
    groups: list[str]
    search: list[str]
    sort: tuple[int, Qt.SortOrder]
    counts: dict[str, int] | None = None
    """Each group's full count when ``rows`` are only the first screen of the board."""
    note_marks: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Visit id: ("new" or "updated", the office's note) for notes not yet looked at."""
    withdrawals: dict[str, Any] = field(default_factory=dict)
    """Visit id: why the office took it off this technician (``WithdrawnVisit``)."""


DEFAULT_SORT = (int(Column.PRIORITY), Qt.SortOrder.AscendingOrder)


def prepare_rows(rows: Sequence[Any], sort: tuple[int, Qt.SortOrder] = DEFAULT_SORT
                 ) -> PreparedRows:
    """Pure and thread-safe, so a worker can do it next to the store read.

    One pass per row for the group and search key; the group compares the window's
    start with the next local midnight as a timestamp (no time-zone conversion per row).
    """
    column, order = sort
    ordered = sorted(rows, key=_sort_key(column), reverse=order == Qt.SortOrder.DescendingOrder)
    tomorrow = next_midnight().timestamp()
    groups = [
        "done" if r.status in DONE_STATUSES
        else "upcoming" if _start(r) >= tomorrow and r.window_start is not None
        else "today"
        for r in ordered
    ]
    names = {key: status_name(key) for key in STATUS_KEYS}  # once, not per row
    search = [
        f"{r.customer_name}\n{r.site_name}\n{r.address}\n{reason}\n"
        f"{names.get(r.status, r.status)}".casefold()
        for r, reason in zip(ordered, summaries_of(ordered), strict=True)
    ]
    return PreparedRows(ordered, groups, search, sort)


def next_midnight() -> datetime:
    """Where the board's "today" ends: the next local midnight."""
    today = datetime.now().astimezone().date()
    return datetime.combine(today + timedelta(days=1), time()).astimezone()


def prepare_first_screen(screen: FirstScreen) -> PreparedRows:
    """The first screen of each group, with every group's full count."""
    return replace(prepare_rows(screen.rows), counts=screen.group_counts)


class VisitTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []
        self._groups: list[str] = []
        self._search: list[str] = []
        self._counts: dict[str, int] | None = None
        self.note_marks: dict[str, tuple[str, str]] = {}
        self.withdrawals: dict[str, Any] = {}
        self._sort: tuple[int, Qt.SortOrder] = DEFAULT_SORT
        self._dots: dict[tuple[int, int], QPixmap] = {}  # (priority, rgba) -> dot
        self._texts: list[tuple[str, ...] | None] = []  # per row, made when first painted
        self._texts_until = 0.0  # "Today"/"Tomorrow" in them: made again after midnight

    @property
    def sort_state(self) -> tuple[int, Qt.SortOrder]:
        return self._sort

    def set_rows(self, rows: Sequence[Any] | PreparedRows) -> None:
        """Replace all rows; prepared ones are re-sorted only if the sort changed since."""
        prepared = rows if isinstance(rows, PreparedRows) else prepare_rows(rows, self._sort)
        if prepared.sort != self._sort:
            prepared = replace(prepare_rows(prepared.rows, self._sort), counts=prepared.counts,
                               note_marks=prepared.note_marks,
                               withdrawals=prepared.withdrawals)
        self.beginResetModel()
        self._rows, self._groups, self._search = prepared.rows, prepared.groups, prepared.search
        self.note_marks = prepared.note_marks
        self.withdrawals = prepared.withdrawals
        self._counts = prepared.counts
        self._forget_texts()
        self.endResetModel()

    @property
    def complete(self) -> bool:
        """False while only the first screen of the board is here."""
        return self._counts is None

    def rows(self) -> list[Any]:
        return list(self._rows)

    def clear_note_mark(self, visit_id: str) -> None:
        """The technician has read the office's note on this visit."""
        if self.note_marks.pop(visit_id, None) is not None:
            position = self.row_of(visit_id)
            if position >= 0:
                self._texts[position] = None
                index = self.index(position, Column.REASON)
                self.dataChanged.emit(index, index)

    def row_of(self, visit_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == visit_id), -1)

    def group_counts(self) -> dict[str, int]:
        if self._counts is not None:
            return dict(self._counts)
        return {g: self._groups.count(g) for g in GROUPS}

    def total(self) -> int:
        return sum(self._counts.values()) if self._counts is not None else len(self._rows)

    def search_key(self, row: int) -> str:
        return self._search[row]

    def group(self, row: int) -> str:
        return self._groups[row]

    def rowCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return header(Column(section))
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in ANSWERED_ROLES or not index.isValid():
            return None
        return self.cell(index.row(), index.column(), role)

    def row_at(self, position: int) -> Any:
        return self._rows[position]

    def rows_by_identity(self) -> dict[int, int]:
        """Row object identity -> position (to follow rows through a re-sort)."""
        return {id(r): i for i, r in enumerate(self._rows)}

    def matching(self, group: str, status: str, terms: Sequence[str]) -> list[int]:
        """Positions of the rows in ``group`` ("" any) with ``status`` ("" any) whose
        search text holds every term; one pass, no Qt calls."""
        groups, rows, search = self._groups, self._rows, self._search
        return [
            i for i in range(len(rows))
            if (not group or groups[i] == group)
            and (not status or rows[i].status == status)
            and all(term in search[i] for term in terms)
        ]

    def cell(self, position: int, col: int, role: int) -> Any:
        if role in DISPLAY_ROLES:
            return self.texts(position)[col]
        row = self._rows[position]
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == Column.CUSTOMER:
                return f"{row.customer_name} · {row.site_name}\n{row.address}"
            if col == Column.REASON:
                note = self.note_marks.get(row.id)
                reason = summary_of(row)
                if not note:
                    return reason
                said = _("Office note: {note}").format(note=note[1])
                return f"{reason}\n{said}"
            if col == Column.WINDOW:
                return window_text(row.window_start, row.window_end)
            if col == Column.STATUS:
                return self._status_tooltip(row)
            return None
        if role == Qt.ItemDataRole.DecorationRole and col == Column.PRIORITY:
            return self._dot(row.priority)
        if role == Qt.ItemDataRole.ForegroundRole and col == Column.OFFLINE:
            if row.has_conflict:
                return semantic("error")
            return None if row.offline_ready else semantic("warn")
        if role == ROW_ROLE:
            return row
        if role == GROUP_ROLE:
            return self._groups[position]
        return None

    def _dot(self, priority: int) -> QPixmap:
        """The priority's dot in the palette's colour for it (a new one after a switch)."""
        colour = semantic(priority_tone(priority), need=AA_GRAPHIC)
        key = (priority, colour.rgba())
        dot = self._dots.get(key)
        if dot is None:
            dot = self._dots[key] = _dot(colour)
        return dot

    def texts(self, position: int) -> tuple[str, ...]:
        """The row's cell texts, formatted once (scrolling paints them again and again)."""
        if epoch_seconds() >= self._texts_until:
            self._forget_texts()
        texts = self._texts[position]
        if texts is None:
            row = self._rows[position]
            texts = self._texts[position] = tuple(self._text(row, col) for col in Column)
        return texts

    def _forget_texts(self) -> None:
        self._texts = [None] * len(self._rows)
        self._texts_until = next_midnight().timestamp()

    def _text(self, row: Any, col: int) -> str:
        if col == Column.PRIORITY:
            return priority_name(row.priority)
        if col == Column.WINDOW:
            return window_text(row.window_start, row.window_end)
        if col == Column.CUSTOMER:
            return place_text(row)
        if col == Column.REASON:
            note = self.note_marks.get(row.id)
            mark = {"new": _("✎ Office note"), "updated": _("✎ Note updated")}.get(
                note[0] if note else "", "")
            reason = summary_of(row)
            return f"{mark} · {reason}" if mark else reason
        if col == Column.STATUS:
            return self._status_text(row)
        return offline_text(row)

    def _status_text(self, row: Any) -> str:
        if row.status == WITHDRAWN:
            return withdrawal_status(self.withdrawals.get(row.id))
        return status_name(row.status)

    def _status_tooltip(self, row: Any) -> str:
        """A withdrawn visit's reason, with the office's note."""
        if row.status != WITHDRAWN:
            return status_name(row.status)
        withdrawal = self.withdrawals.get(row.id)
        return f"{withdrawal_sentence(withdrawal)}\n{office_note_text(withdrawal)}"

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorted here, in Python, once per change (a proxy would call data() per comparison)."""
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        old = self._rows
        prepared = prepare_rows(old, self._sort)
        self._rows, self._groups, self._search = prepared.rows, prepared.groups, prepared.search
        self._forget_texts()
        moved = {id(r): i for i, r in enumerate(self._rows)}
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(
            persistent,
            [self.index(moved[id(old[p.row()])], p.column()) for p in persistent],
        )
        self.layoutChanged.emit()


def _start(row: Any) -> float:
    value = row.window_start
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.timestamp()  # the store's rows: skip the general conversion
    moment = as_datetime(value)
    return moment.timestamp() if moment else 0.0


def _sort_key(column: int) -> Callable[[Any], Any]:
    if column == Column.WINDOW:
        return lambda r: (_start(r), r.priority)
    if column == Column.CUSTOMER:
        return lambda r: (r.customer_name.casefold(), r.site_name.casefold(), _start(r))
    if column == Column.STATUS:
        return lambda r: (r.status, r.priority, _start(r))
    if column == Column.OFFLINE:
        return lambda r: (not r.has_conflict, r.offline_ready, r.priority)
    if column == Column.REASON:
        return lambda r: r.summary.casefold()
    return lambda r: (r.priority, _start(r))


def _dot(colour: QColor) -> QPixmap:
    pixmap = QPixmap(10, 10)
    pixmap.fill(colour)
    return pixmap


class VisitFilterProxy(QAbstractTableModel):
    """The rows the filters let through (group, status, search text), in the source's order.

    Not a ``QSortFilterProxyModel``: that one asks ``filterAcceptsRow`` once per row,
    from C++, on every reset — 10,000 Python calls and as many GIL hand-overs on the
    GUI thread while a sync thread competes for the GIL (the board's 100+ ms stalls).
    Here the filter runs as one Python pass over the prepared rows, and the view only
    asks ``data`` for the cells it paints.  Sorting is delegated to the source.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._group = ""
        self._status = ""
        self._terms: list[str] = []
        self._model: VisitTableModel | None = None
        self._visible: list[int] = []  # source rows shown, in order
        self._position: dict[int, int] = {}  # source row -> row here

    # --- source -------------------------------------------------------------------
    def setSourceModel(self, model: VisitTableModel) -> None:
        self.beginResetModel()
        self._model = model
        model.modelReset.connect(self._source_reset)
        model.layoutChanged.connect(self._source_layout_changed)
        self._refilter()
        self.endResetModel()

    def sourceModel(self) -> VisitTableModel | None:
        return self._model

    def mapToSource(self, index: Index) -> QModelIndex:
        if self._model is None or not index.isValid():
            return QModelIndex()
        return self._model.index(self._visible[index.row()], index.column())

    def mapFromSource(self, index: Index) -> QModelIndex:
        row = self._position.get(index.row()) if index.isValid() else None
        return QModelIndex() if row is None else self.index(row, index.column())

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self._model is not None:
            self._model.sort(column, order)  # its layoutChanged re-filters here

    # --- filters ------------------------------------------------------------------
    def set_group(self, group: str) -> None:
        """"" for all, else one of GROUPS."""
        self._group = group
        self._relayout()

    def set_status(self, status: str) -> None:
        self._status = status
        self._relayout()

    def set_search(self, text: str) -> None:
        self._terms = text.casefold().split()
        self._relayout()

    # --- model --------------------------------------------------------------------
    def rowCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return header(Column(section))
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in ANSWERED_ROLES or self._model is None or not index.isValid():
            return None
        return self._model.cell(self._visible[index.row()], index.column(), role)

    # --- keeping up -------------------------------------------------------------------
    def _source_reset(self) -> None:
        self.beginResetModel()
        self._refilter()
        self.endResetModel()

    def _source_layout_changed(self) -> None:
        self._relayout(refilter=True)

    def _relayout(self, refilter: bool = True) -> None:
        """Re-filter, keeping the selection and current row on the same visits."""
        model = self._model
        if model is None:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        shown = [model.row_at(self._visible[p.row()]) for p in persistent]
        if refilter:
            self._refilter()
        rows = model.rows_by_identity()
        moved = []
        for index, row in zip(persistent, shown, strict=True):
            source_row = rows.get(id(row))
            here = self._position.get(source_row) if source_row is not None else None
            moved.append(QModelIndex() if here is None else self.index(here, index.column()))
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _refilter(self) -> None:
        model = self._model
        count = model.rowCount() if model is not None else 0
        if model is None or not (self._group or self._status or self._terms):
            self._visible = list(range(count))
        else:
            self._visible = model.matching(self._group, self._status, self._terms)
        self._position = {source: i for i, source in enumerate(self._visible)}
