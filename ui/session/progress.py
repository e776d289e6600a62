# SPDX-License-Identifier: Apache-2.0
"""The step progress indicator: six steps, where we are, what is done, what needs attention."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QWidget

from concierge.session.state import STEPS, Step, StepProgress
from ui.session.common import named

MARKS = {"done": "✓", "attention": "!", "todo": ""}


class StepProgressBar(QFrame):
    step_clicked = Signal(object)  # Step

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepProgress")
        self.setAccessibleName("Session steps")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.buttons: dict[Step, QPushButton] = {}
        for n, step in enumerate(STEPS, start=1):
            button = named(QPushButton(), f"step_{step.value}", f"Step {n}")
            button.setMinimumHeight(46)
            button.clicked.connect(lambda _c=False, s=step: self.step_clicked.emit(s))
            layout.addWidget(button, 1)
            self.buttons[step] = button

    def set_progress(self, entries: list[StepProgress]) -> None:
        for n, entry in enumerate(entries, start=1):
            button = self.buttons[entry.step]
            mark = MARKS[entry.state]
            button.setText(f"{n}  {entry.title} {mark}\n{entry.detail}")
            where = "current step, " if entry.current else ""
            button.setAccessibleName(f"Step {n}: {entry.title} ({where}{entry.state})")
            button.setToolTip(entry.detail)
            button.setProperty("state", entry.state)
            button.setProperty("current", entry.current)
            button.style().unpolish(button)
            button.style().polish(button)
