# SPDX-License-Identifier: Apache-2.0
"""The session window: header, step progress, one page per step, back/next."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from concierge.i18n import LANGUAGE_NAMES, SUPPORTED, _
from concierge.session.engine import SessionEngine, SessionError
from concierge.session.state import STEPS, Step
from ui.format import place_text, summary_of
from ui.serve.help import HelpCard
from ui.session.baseline import BaselinePage
from ui.session.common import SessionIO, error_text, label, named, session_stylesheet
from ui.session.delight import DelightPage
from ui.session.finish import FinishPage
from ui.session.optimise import OptimisePage
from ui.session.progress import StepProgressBar
from ui.session.verify import VerifyPage
from ui.session.welcome import WelcomePage
from ui.withdrawal import handed_over_banner, withdrawn_banner


class SessionWindow(QWidget):
    """A visit's optimisation session.

    ``context`` is the app's AppContext (``store``, ``tasks``, optionally ``sync`` and
    ``user``). The engine (telemetry reads and KPIs) loads on the serial database worker;
    the window shows a loading state until it arrives, then builds its pages (``loaded``).
    Every save runs on that worker too, in order; "saved" is shown once they returned.
    """

    loaded = Signal()

    def __init__(self, context: Any, visit_id: str, parent: QWidget | None = None,
                 engine: SessionEngine | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("sessionWindow")
        self.ctx = context
        self.visit_id = visit_id
        self.engine: SessionEngine | None = None
        self.io = SessionIO(context.tasks, context.store, self)
        self._unsubscribe: Callable[[], None] = lambda: None
        self.setWindowTitle(_("Session"))
        self.setStyleSheet(session_stylesheet())
        self.resize(1180, 780)
        self.loading = label(_("Loading the session: reading the telemetry and working out "
                             "the baseline…"), "sessionLoading", "muted")
        self.loading.setAccessibleName(_("Loading the session"))
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self.loading, 1)
        if engine is not None:
            self._build(engine)
        else:
            store = context.store
            (context.tasks.db(lambda: SessionEngine(store, visit_id), parent=self)
             .label(_("Loading the session")).success(self._build).failure(self._failed).run())

    @property
    def ready(self) -> bool:
        return self.engine is not None

    def _failed(self, error: BaseException) -> None:
        self.loading.setText(_("The session could not be opened: {error}")
                             .format(error=error_text(error)))
        self.loading.setProperty("role", "error")
        self.loading.style().unpolish(self.loading)
        self.loading.style().polish(self.loading)

    def _build(self, engine: SessionEngine) -> None:
        self.engine = e = engine
        e.persist = self.io.save
        user = getattr(self.ctx, "user", None)
        site = e.site
        self.setWindowTitle(_("Session · {customer}").format(
            customer=site.customer_name if site else self.visit_id))
        title = place_text(site.customer_name, site.name) if site else self.visit_id
        header = QHBoxLayout()
        header.addWidget(label(title, "sessionTitle", "pageTitle", wrap=False))
        reason = label(summary_of(e.visit), "sessionReason", "muted")
        reason.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        header.addWidget(reason, 1)  # wraps rather than widening the window
        header.addWidget(self._report_language(e))
        self.help = HelpCard(e)
        self.help.setVisible(bool(e.doc.help))
        self.help_button = named(QPushButton(_("Ask for help")), "askHelpButton",
                                 _("Ask for help from the field"))
        self.help_button.clicked.connect(lambda: self.help.setVisible(not self.help.isVisible()))
        header.addWidget(self.help_button)
        self.progress = StepProgressBar()
        self.progress.step_clicked.connect(self.go)
        # the visit is no longer ours to finish: handed over, or withdrawn by the office
        self.not_ours = label("", "notOursBanner", "flag")
        self.not_ours.setAccessibleName(_("The visit is no longer yours to finish"))
        self.not_ours.hide()

        self.welcome = WelcomePage(e)
        self.baseline = BaselinePage(e)
        self.optimise = OptimisePage(e, self.io)
        self.verify = VerifyPage(e)
        self.delight = DelightPage(e, getattr(user, "name", "") or "")
        self.finish = FinishPage(e, self.io)
        self.finish.completed.connect(self._completed)
        self.finish.busy.connect(self._busy)
        self.pages: dict[Step, QWidget] = {
            Step.WELCOME: self.welcome, Step.BASELINE: self.baseline,
            Step.OPTIMISE: self.optimise, Step.VERIFY: self.verify,
            Step.DELIGHT: self.delight, Step.REPORT: self.finish,
        }
        self.stack = named(QStackedWidget(), "sessionPages", _("Session step"))
        for step in STEPS:
            self.stack.addWidget(self.pages[step])

        self.back_button = named(QPushButton(_("← Back")), "backButton", _("Previous step"))
        self.next_button = named(QPushButton(_("Next →")), "nextButton", _("Next step"))
        self.next_button.setProperty("primary", True)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.forward)
        QShortcut(QKeySequence("Alt+Left"), self, self.back)
        QShortcut(QKeySequence("Alt+Right"), self, self.forward)
        self.saved = label("", "savedIndicator", "muted", wrap=False)
        self.saved.setAccessibleName(_("Save state"))
        self.io.saving.connect(lambda: self._set_saved(_("Saving…"), "muted"))
        self.io.saved.connect(self._all_saved)
        self.io.failed.connect(
            lambda m: self._set_saved(_("Not saved: {reason}").format(reason=m), "error"))
        footer = QHBoxLayout()
        footer.addWidget(self.back_button)
        footer.addStretch(1)
        footer.addWidget(self.saved)
        footer.addWidget(self.next_button)

        self._layout.removeWidget(self.loading)
        self.loading.hide()
        self._layout.addLayout(header)
        self._layout.addWidget(self.progress)
        self._layout.addWidget(self.not_ours)
        self._layout.addWidget(self.help)
        self._layout.addWidget(self.stack, 1)
        self._layout.addLayout(footer)
        self._unsubscribe = e.changed.connect(self._on_changed)
        bridge = getattr(self.ctx, "bridge", None)
        if bridge is not None:
            bridge.store_changed.connect(self._store_changed)
        self._show(e.step)
        self._lock_if_read_only()
        self._show_built()
        self.loaded.emit()

    def _show_built(self) -> None:
        """Show what ``_build`` added to the visible window now: a layout shows widgets
        added to a visible window only at Qt's next event pass (a queued call), so whoever
        reads the window on ``loaded`` would otherwise find its pages still hidden."""
        if not self.isVisible():
            return  # shown with the window, as usual
        for child in self.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            hidden_on_purpose = child.isHidden() and child.testAttribute(
                Qt.WidgetAttribute.WA_WState_ExplicitShowHide)
            if not child.isWindow() and not hidden_on_purpose:
                child.show()

    def _store_changed(self, change: Any) -> None:
        """A sync brought this session or its visit back: take the office's answers
        (goodwill, help, a completion it did not keep) and its withdrawal of the visit."""
        e = self.engine
        if e is None or not (("session" in change.entities and e.id in change.ids) or (
                "visit" in change.entities and e.visit.id in change.ids)):
            return
        store, visit_id = e.store, e.visit.id
        (self.io.tasks.db(lambda: (store.load_session(visit_id),
                                   store.withdrawn_visits().get(visit_id)), parent=self)
         .label(_("Reading the office's answers")).success(self._office_answers).run())

    def _office_answers(self, answers: tuple[Any, Any]) -> None:
        if self.engine is None:
            return
        record, withdrawal = answers
        self.flush()  # text still waiting to be saved goes first: it may turn read-only
        withdrawn = self.engine.take_withdrawal(withdrawal)
        if self.engine.adopt_office_answers(record) or withdrawn:
            self.delight.goodwill.refresh()
            self.delight.goodwill.message.setText(_("The office answered your request."))
            self.help.refresh()
            self._lock_if_read_only()
            self._show(self.current)

    # --- navigation --------------------------------------------------------------------

    def go(self, step: Step) -> None:
        if self.engine is None:
            return
        self.flush()
        if not self.engine.read_only:
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
        if self.engine is None:
            return
        current = self.current
        self.progress.set_progress([
            replace(p, current=p.step is current) for p in self.engine.progress()
        ])

    def _on_changed(self, what: str) -> None:
        self._update_progress()

    def _all_saved(self) -> None:
        if self.engine is not None and self.engine.read_only:
            self._set_saved(self._read_only_text(), "muted")
        else:
            self._set_saved(_("All changes saved on this laptop"), "ok")

    def _report_language(self, e: SessionEngine) -> QWidget:
        """Which language the customer's report is written in, changeable for this report."""
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(12, 0, 0, 0)
        caption = label(_("Report in:"), "reportLanguageLabel", "muted", wrap=False)
        self.report_language = combo = named(QComboBox(), "reportLanguage",
                                             _("Language of the customer's report"))
        customer = e.customer_language
        for tag in SUPPORTED:
            text = LANGUAGE_NAMES[tag]
            if tag == customer:
                text = _("{language} (the customer's)").format(language=text)
            combo.addItem(text, tag)
        combo.setCurrentIndex(combo.findData(e.report_language))
        combo.setToolTip(_("The report is written in the customer's language; change it here "
                           "for this report only."))
        combo.currentIndexChanged.connect(self._report_language_chosen)
        caption.setBuddy(combo)
        row.addWidget(caption)
        row.addWidget(combo)
        return box

    def _report_language_chosen(self) -> None:
        e = self.engine
        if e is None or e.read_only:
            return
        tag = self.report_language.currentData()
        try:
            e.set_report_language(None if tag == e.customer_language else tag)
        except SessionError as error:
            self._set_saved(error_text(error), "error")

    def _set_saved(self, text: str, role: str) -> None:
        self.saved.setText(text)
        self.saved.setProperty("role", role)
        self.saved.style().unpolish(self.saved)
        self.saved.style().polish(self.saved)

    def _busy(self, on: bool) -> None:
        """While the report is made, nothing else can change."""
        self.progress.setEnabled(not on)
        self.back_button.setEnabled(not on and self.current is not STEPS[0])
        for step, page in self.pages.items():
            if step is not Step.REPORT:
                page.setEnabled(not on)

    def _completed(self) -> None:
        """The completion is written: lock the window and send it at once if we can."""
        self._busy(False)
        self._lock_if_read_only()
        self._update_progress()
        sync = getattr(self.ctx, "sync", None)
        if sync is not None:
            sync.sync_now("session completed")

    def _lock_if_read_only(self) -> None:
        """A completed session, or one whose visit was handed over or withdrawn by the
        office, is read-only here."""
        e = self.engine
        if e is None or not e.read_only:
            return
        for step, page in self.pages.items():
            if step is not Step.REPORT:
                page.setEnabled(False)
        self.report_language.setEnabled(False)
        self.saved.setText(self._read_only_text())
        handover, withdrawn = e.handed_over, e.withdrawn
        if handover is not None:
            text = handed_over_banner(handover.helper, handover.answered_at)
            if e.completed_after_handover:
                text += " " + _("You completed it after the hand-over: the office kept your "
                                "notes and report for your colleague, who completes the visit.")
        elif withdrawn is not None:
            text = withdrawn_banner(withdrawn, completion_not_kept=e.completion_not_kept)
        else:
            return
        self.not_ours.setText(text)
        self.not_ours.show()
        self.finish.refresh()

    def _read_only_text(self) -> str:
        e = self.engine
        if e is not None and e.handed_over is not None:
            return _("Handed over: read-only")
        if e is not None and e.withdrawn is not None:
            return _("Withdrawn by the office: read-only")
        return _("Completed: read-only")

    # --- lifecycle ---------------------------------------------------------------------

    def flush(self) -> None:
        """Save any text still waiting for its short typing pause."""
        if self.engine is None:
            return
        if self.engine.no_longer_ours:
            return  # read-only: not ours to finish any more
        self.finish.flush()  # the rating of the office's preparation stays editable
        if not self.engine.completed:
            for page in (self.welcome, self.optimise, self.delight):
                page.flush()

    def changeEvent(self, event: QEvent) -> None:
        """Follow a live light/dark switch: the page styles are built from the palette."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            styles = session_stylesheet()
            if self.styleSheet() != styles:
                self.setStyleSheet(styles)
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.flush()
        if self.io.pending:
            # The app may be quitting (queued work is then dropped): write the newest
            # record here, once; the queued saves find it written and skip.
            try:
                self.io.write_now()
            except Exception as error:  # noqa: BLE001 - the queued save will say it too
                self._set_saved(_("Not saved: {reason}").format(reason=error_text(error)),
                                "error")
        self._unsubscribe()
        super().closeEvent(event)
