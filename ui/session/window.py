"""The session window: header, step progress, one page per step, back/next."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from concierge.session.engine import SessionEngine
from concierge.session.state import STEPS, Step
from ui.session.baseline import BaselinePage
from ui.session.common import label, named, session_stylesheet
from ui.session.delight import DelightPage
from ui.session.finish import FinishPage
from ui.session.optimise import OptimisePage
from ui.session.progress import StepProgressBar
from ui.session.verify import VerifyPage
from ui.session.welcome import WelcomePage


class SessionWindow(QWidget):
    """A visit's optimisation session. ``context`` is the app's AppContext (or a store)."""

    def __init__(self, context: Any, visit_id: str, parent: QWidget | None = None,
                 engine: SessionEngine | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("sessionWindow")
        store = getattr(context, "store", None) or context
        self.engine = engine or SessionEngine(store, visit_id)
        e = self.engine
        user = getattr(context, "user", None)
        site = e.site
        self.setWindowTitle(f"Session · {site.customer_name if site else visit_id}")
        self.setStyleSheet(session_stylesheet())
        self.resize(1180, 780)

        title = f"{site.customer_name} · {site.name}" if site else visit_id
        header = QHBoxLayout()
        header.addWidget(label(title, "sessionTitle", "pageTitle", wrap=False))
        header.addStretch(1)
        header.addWidget(label(e.visit.summary, "sessionReason", "muted", wrap=False))
        self.progress = StepProgressBar()
        self.progress.step_clicked.connect(self.go)

        self.welcome = WelcomePage(e)
        self.baseline = BaselinePage(e)
        self.optimise = OptimisePage(e)
        self.verify = VerifyPage(e)
        self.delight = DelightPage(e, getattr(user, "name", "") or "")
        self.finish = FinishPage(e)
        self.finish.completed.connect(self._completed)
        self.pages: dict[Step, QWidget] = {
            Step.WELCOME: self.welcome, Step.BASELINE: self.baseline,
            Step.OPTIMISE: self.optimise, Step.VERIFY: self.verify,
            Step.DELIGHT: self.delight, Step.REPORT: self.finish,
        }
        self.stack = named(QStackedWidget(), "sessionPages", "Session step")
        for step in STEPS:
            self.stack.addWidget(self.pages[step])

        self.back_button = named(QPushButton("← Back"), "backButton", "Previous step")
        self.next_button = named(QPushButton("Next →"), "nextButton", "Next step")
        self.next_button.setProperty("primary", True)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.forward)
        QShortcut(QKeySequence("Alt+Left"), self, self.back)
        QShortcut(QKeySequence("Alt+Right"), self, self.forward)
        self.saved = label("", "savedIndicator", "muted", wrap=False)
        footer = QHBoxLayout()
        footer.addWidget(self.back_button)
        footer.addStretch(1)
        footer.addWidget(self.saved)
        footer.addWidget(self.next_button)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.progress)
        layout.addWidget(self.stack, 1)
        layout.addLayout(footer)
        self._unsubscribe = e.changed.connect(self._on_changed)
        self._show(e.step)
        self._lock_if_completed()

    # --- navigation --------------------------------------------------------------------

    def go(self, step: Step) -> None:
        self.flush()
        if not self.engine.completed:
            self.engine.go(step)
        self._show(step)

    def forward(self) -> None:
        i = STEPS.index(self.current)
        if i + 1 < len(STEPS):
            self.go(STEPS[i + 1])

    def back(self) -> None:
        i = STEPS.index(self.current)
        if i > 0:
            self.go(STEPS[i - 1])

    @property
    def current(self) -> Step:
        return STEPS[self.stack.currentIndex()]

    def _show(self, step: Step) -> None:
        page = self.pages[step]
        refresh = getattr(page, "refresh", None) or getattr(page, "rebuild", None)
        if refresh is not None:
            refresh()
        self.stack.setCurrentWidget(page)
        self.back_button.setEnabled(step is not STEPS[0])
        self.next_button.setEnabled(step is not STEPS[-1])
        self._update_progress()

    def _update_progress(self) -> None:
        current = self.current
        self.progress.set_progress([
            replace(p, current=p.step is current) for p in self.engine.progress()
        ])

    def _on_changed(self, what: str) -> None:
        self._update_progress()
        self.saved.setText("All changes saved on this laptop")

    def _completed(self) -> None:
        self._lock_if_completed()
        self._update_progress()

    def _lock_if_completed(self) -> None:
        if self.engine.completed:
            for step, page in self.pages.items():
                if step is not Step.REPORT:
                    page.setEnabled(False)
            self.saved.setText("Completed: read-only")

    # --- lifecycle ---------------------------------------------------------------------

    def flush(self) -> None:
        """Save any text still waiting for its short typing pause."""
        if self.engine.completed:
            return
        for page in (self.welcome, self.optimise, self.delight):
            page.flush()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.flush()
        self._unsubscribe()
        super().closeEvent(event)
