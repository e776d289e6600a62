"""Every interactive widget has an objectName and an accessibleName (screen readers, tests)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QGraphicsView,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

INTERACTIVE = (QAbstractButton, QLineEdit, QPlainTextEdit, QTextEdit, QComboBox,
               QAbstractItemView, QAbstractSpinBox, QTabBar, QGraphicsView)


def _in_combo(widget: QWidget) -> bool:
    """Part of a combo box's own popup or editor."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox):
            return True
        parent = parent.parentWidget()
    return type(widget.parentWidget()).__name__ == "QComboBoxPrivateContainer"


def unnamed(top: QWidget, *extra: type[QWidget]) -> list[str]:
    """The interactive widgets in ``top`` (itself included) lacking either name. Qt's own
    parts (a tab widget's bar, a combo's popup, headers) name themselves ``qt_*``."""
    kinds = INTERACTIVE + extra
    return [
        f"{type(w).__name__}:{w.objectName()!r}:{w.accessibleName()!r}"
        for w in [top, *top.findChildren(QWidget)]
        if isinstance(w, kinds) and not isinstance(w, QHeaderView) and not _in_combo(w)
        and not w.objectName().startswith("qt_")
        and not (w.objectName() and w.accessibleName())
    ]
