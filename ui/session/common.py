# SPDX-License-Identifier: Apache-2.0
"""Small building blocks of the session pages: named widgets, debounced text, styles."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from concierge.i18n import _
from ui.theme import AA_GRAPHIC, follow_palette, semantic, soft

W = TypeVar("W", bound=QWidget)
TONE_ROLE = Qt.ItemDataRole.UserRole + 1  # the meaning (ui.theme.semantic) an item is coloured by
TEXT_SAVE_MS = 300  # text is saved this long after the last keystroke (and on leaving)


def error_text(error: BaseException) -> str:
    """An error for the person, in the UI language (never the exception's English)."""
    from ui.errors import people_message

    return people_message(error)


def named(widget: W, name: str, accessible: str) -> W:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


def label(text: str = "", name: str = "", role: str = "", wrap: bool = True) -> QLabel:
    lab = QLabel(text)
    if name:
        lab.setObjectName(name)
    if role:
        lab.setProperty("role", role)
    lab.setWordWrap(wrap)
    return lab


def card(title: str, name: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName(name)
    frame.setProperty("sessionCard", True)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 10, 12, 12)
    layout.addWidget(label(title, role="cardTitle"))
    return frame, layout


def table(name: str, accessible: str, headers: list[str], stretch: int | None = None
          ) -> QTableWidget:
    """A read-only table; column ``stretch`` takes the spare width (and wraps)."""
    t = named(QTableWidget(0, len(headers)), name, accessible)
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
    t.setAlternatingRowColors(True)
    t.setCornerButtonEnabled(False)
    follow_palette(t, lambda: _recolour(t))
    header = t.horizontalHeader()
    if stretch is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        t.setWordWrap(True)
        t.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return t


def fill(t: QTableWidget, rows: list[list[str]], tones: dict[tuple[int, int], str] | None = None
         ) -> None:
    """``tones``: (row, column) -> the meaning its text is coloured by (error, ok, ...)."""
    t.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            name = (tones or {}).get((r, c))
            if name:
                item.setData(TONE_ROLE, name)
                item.setForeground(QBrush(semantic(name)))
            t.setItem(r, c, item)
    if t.horizontalHeader().stretchLastSection():
        t.resizeColumnsToContents()


def _recolour(t: QTableWidget) -> None:
    """The coloured items in the new palette's colours (after a live theme switch)."""
    for r in range(t.rowCount()):
        for c in range(t.columnCount()):
            item = t.item(r, c)
            if item is not None and item.data(TONE_ROLE):
                item.setForeground(QBrush(semantic(item.data(TONE_ROLE))))


class TextSaver(QObject):
    """Calls ``save(text)`` shortly after typing stops, or at once on ``flush()``."""

    def __init__(self, read: Callable[[], str], save: Callable[[str], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._read, self._save = read, save
        self._timer = QTimer(self, singleShot=True, interval=TEXT_SAVE_MS)
        self._timer.timeout.connect(self.flush)
        self._dirty = False

    def touch(self, *_: object) -> None:
        self._dirty = True
        self._timer.start()

    def flush(self) -> None:
        self._timer.stop()
        if self._dirty:
            self._dirty = False
            self._save(self._read())


def session_stylesheet() -> str:
    """The session pages' styles, every colour from the application's palette."""
    palette = QGuiApplication.palette()
    role = QPalette.ColorRole
    p = {name: palette.color(r).name() for name, r in (
        ("base", role.Base), ("border", role.Mid), ("text", role.WindowText),
        ("button", role.Button), ("accent", role.Highlight), ("on_accent", role.HighlightedText))}
    for name in ("muted", "error", "ok", "warn"):
        p[name] = semantic(name, palette).name()
    flag_bg, flag_text = soft("warn", palette)
    p.update(flag_bg=flag_bg.name(), flag=flag_text.name(),
             star=semantic("star", palette, AA_GRAPHIC).name(),
             done=semantic("ok", palette, AA_GRAPHIC).name(),
             attention=semantic("warn", palette, AA_GRAPHIC).name())
    return f"""
QFrame[sessionCard="true"] {{ background: {p['base']}; border: 1px solid {p['border']};
    border-radius: 8px; }}
QFrame[sessionCard="true"] QLabel {{ border: none; }}
QLabel[role="cardTitle"] {{ font-weight: 600; font-size: 11pt; color: {p['text']}; }}
QLabel[role="pageTitle"] {{ font-size: 16pt; font-weight: 600; color: {p['text']}; }}
QLabel[role="muted"] {{ color: {p['muted']}; }}
QLabel[role="error"] {{ color: {p['error']}; font-weight: 600; }}
QLabel[role="flag"] {{ color: {p['flag']}; background: {p['flag_bg']}; border-radius: 4px;
    padding: 4px; }}
QLabel[role="ok"] {{ color: {p['ok']}; }}
QLabel[role="missing"] {{ color: {p['warn']}; }}
QPushButton[tag="true"]:checked {{ background: {p['accent']}; color: {p['on_accent']};
    border-color: {p['accent']}; }}
QToolButton[star="true"] {{ font-size: 20pt; border: none; color: {p['muted']};
    background: none; }}
QToolButton[star="true"]:checked {{ color: {p['star']}; }}
QPushButton:disabled {{ background: {p['button']}; color: {p['muted']};
    border-color: {p['border']}; }}
QFrame#stepProgress QPushButton {{ text-align: left; padding: 4px 10px; min-height: 40px; }}
QFrame#stepProgress QPushButton[state="done"] {{ border-color: {p['done']}; }}
QFrame#stepProgress QPushButton[state="attention"] {{ border-color: {p['attention']}; }}
QFrame#stepProgress QPushButton[current="true"] {{ background: {p['accent']};
    color: {p['on_accent']}; border-color: {p['accent']}; }}
"""


class SessionIO(QObject):
    """The session's store writes, in order on the task runner's serial database worker.

    Saves are whole records and the latest wins: each queued save writes the newest record
    not yet written (so a burst of inputs costs one write). ``saved`` is emitted once every
    queued save has returned from the store (committed with ``synchronous=FULL``): only
    then is the person told their input is safe. ``write_now()`` writes the newest record
    on the calling thread (the window does it when closing, so quitting cannot drop it).
    """

    saving = Signal()
    saved = Signal()
    failed = Signal(str)

    def __init__(self, tasks: Any, store: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks, self.store = tasks, store
        self.pending = 0
        self._latest: tuple[int, dict[str, Any]] | None = None
        self._count = 0
        self._written = 0
        self._write_lock = threading.Lock()

    def save(self, record: dict[str, Any]) -> None:
        self._count += 1
        self._latest = (self._count, record)
        self._run(self.write_now, lambda _r: None, _("Saving the session"))

    def write_now(self) -> None:
        """Write the newest record unless it is written already (any thread)."""
        with self._write_lock:
            latest = self._latest
            if latest is None or latest[0] <= self._written:
                return
            self.store.save_session(latest[1])
            self._written = latest[0]

    def add_attachment(self, content: bytes, content_type: str, filename: str,
                       then: Callable[[str], None],
                       failed: Callable[[BaseException], None]) -> None:
        """Keep a file (written and fsynced on the worker); ``then(sha)`` on the GUI thread."""
        self._run(lambda: self.store.add_attachment(content, content_type, filename), then,
                  _("Keeping the attachment"), failed)

    def after_writes(self, then: Callable[[], None]) -> None:
        """``then()`` once everything queued so far is written."""
        self._run(lambda: None, lambda _r: then(), _("Finishing the session's writes"))

    def _run(self, fn: Callable[[], Any], then: Callable[[Any], None], what: str,
             failed: Callable[[BaseException], None] | None = None) -> None:
        self.pending += 1
        self.saving.emit()

        def done(result: Any) -> None:
            self._settle()
            then(result)

        def error(exc: BaseException) -> None:
            self._settle(error_text(exc))
            if failed is not None:
                failed(exc)

        self.tasks.db(fn, parent=self).label(what).success(done).failure(error).run()

    def _settle(self, problem: str | None = None) -> None:
        self.pending -= 1
        if problem is not None:
            self.failed.emit(problem)
        elif self.pending == 0:
            self.saved.emit()
