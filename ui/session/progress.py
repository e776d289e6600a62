# SPDX-License-Identifier: Apache-2.0
"""The step progress indicator: six steps, where we are, what is done, what needs attention."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QWidget

from concierge.i18n import _, tr
from concierge.session.state import STEPS, Step, StepProgress
from ui.session.common import named

MARKS = {"done": "✓", "attention": "!", "todo": ""}


class StepProgressBar(QFrame):
    step_clicked = Signal(object)  # Step

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepProgress")
        self.setAccessibleName(_("Session steps"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.buttons: dict[Step, QPushButton] = {}
        for n, step in enumerate(STEPS, start=1):
            button = named(QPushButton(), f"step_{step.value}", _("Step {n}").format(n=n))
            button.setMinimumHeight(46)
            button.clicked.connect(lambda _c=False, s=step: self.step_clicked.emit(s))
            layout.addWidget(button, 1)
            self.buttons[step] = button

    def set_progress(self, entries: list[StepProgress]) -> None:
        for n, entry in enumerate(entries, start=1):
            button = self.buttons[entry.step]
            mark = MARKS[entry.state]
            title, detail = tr(entry.title), tr(entry.detail)
            button.setText(f"{n}  {title} {mark}\n{detail}")
            state = {"todo": _("to do"), "done": _("done"),
                     "attention": _("needs attention")}.get(entry.state, entry.state)
            spoken = (_("Step {n}: {title} (current step, {state})") if entry.current
                      else _("Step {n}: {title} ({state})"))
            button.setAccessibleName(spoken.format(n=n, title=title, state=state))
            button.setToolTip(detail)
            button.setProperty("state", entry.state)
            button.setProperty("current", entry.current)
            button.style().unpolish(button)
            button.style().polish(button)
