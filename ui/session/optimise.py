# SPDX-License-Identifier: Apache-2.0
"""Step 3: the checklist — one card per step with its input, flags and skip-with-reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from concierge.domain import StepType
from concierge.i18n import _, msg, ngettext, nmsg, pgettext, tr
from concierge.session.checklist import (
    choice_msg,
    reason_msg,
    step_instructions_msg,
    step_title_msg,
)
from concierge.session.engine import SessionEngine, SessionError, item_flag
from concierge.session.model import ChecklistItem
from concierge.session.text import fmt_value
from concierge.session.validation import MeasurementError, target_msg
from ui.session.common import SessionIO, TextSaver, error_text, label, named
from ui.session.photo_picker import PhotoDialog

CONTENT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                 ".pdf": "application/pdf", ".txt": "text/plain", ".json": "application/json"}


def status_word(status: str) -> str:
    return {"open": pgettext("step status", "Open"), "done": _("Done"),
            "skipped": pgettext("step status", "Skipped")}.get(status, status)



class StepCard(QFrame):
    """One checklist step: instructions, the input its type asks for, and its status."""

    def __init__(self, engine: SessionEngine, item: ChecklistItem, io: SessionIO | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine, self.item, self.io = engine, item, io
        self.setObjectName(f"stepCard:{item.id}")
        self.setProperty("sessionCard", True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        title = self.title = tr(step_title_msg(item))
        layout.addWidget(label(title, role="cardTitle"))
        where = engine.asset_names.get(item.asset_id, _("Whole site"))
        need = _("Required") if item.required else _("Optional")
        reasons = "; ".join(tr(reason_msg(r, engine.insights)) for r in item.reasons)
        layout.addWidget(label(f"{where} · {need} · {reasons}", role="muted"))
        if item.instructions:
            layout.addWidget(label(tr(step_instructions_msg(item, engine.insights))))
        self.input_row = QHBoxLayout()
        layout.addLayout(self.input_row)
        self.flag = label("", f"flag:{item.id}")
        self.flag.setAccessibleName(_("{step}: message").format(step=title))
        self.flag.hide()
        layout.addWidget(self.flag)
        self._build_input()
        skip_row = QHBoxLayout()
        self.status = label("", f"status:{item.id}", wrap=False)
        self.reason = named(QLineEdit(), f"skipReason:{item.id}",
                            _("{step}: reason to skip").format(step=title))
        self.reason.setPlaceholderText(_("Reason, if you skip this step"))
        self.skip = named(QPushButton(_("Skip")), f"skip:{item.id}",
                          _("Skip {step}").format(step=title))
        self.reopen = named(QPushButton(_("Reopen")), f"reopen:{item.id}",
                            _("Reopen {step}").format(step=title))
        self.skip.clicked.connect(self._skip)
        self.reopen.clicked.connect(self._reopen)
        for w in (self.status, self.reason, self.skip, self.reopen):
            skip_row.addWidget(w, 1 if w is self.reason else 0)
        skip_row.addStretch(0)
        layout.addLayout(skip_row)
        self.refresh()

    def _build_input(self) -> None:
        item, r = self.item, self.engine.doc.result(self.item.id)
        t = item.type
        if t is StepType.CHECK:
            self.check = named(QCheckBox(_("Done")), f"check:{item.id}",
                               _("{step}: done").format(step=self.title))
            self.check.setChecked(r.value is True)
            self.check.toggled.connect(self._checked)
            self.input_row.addWidget(self.check)
        elif t is StepType.MEASUREMENT:
            target = self._target()
            self.value = named(QLineEdit(), f"measure:{item.id}",
                               _("{step}: measurement").format(step=self.title))
            self.value.setPlaceholderText(_("Value in {unit}").format(unit=item.unit)
                                          if item.unit else _("Value"))
            if isinstance(r.value, float | int) and not isinstance(r.value, bool):
                self.value.setText(fmt_value(float(r.value)))
            self.record = named(QPushButton(_("Record")), f"record:{item.id}",
                                _("Record {step}").format(step=self.title))
            self.record.clicked.connect(self.submit_measurement)
            self.value.returnPressed.connect(self.submit_measurement)
            self.value.setMaximumWidth(200)
            self.input_row.addWidget(self.value)
            self.input_row.addWidget(label(item.unit or "", wrap=False))
            self.input_row.addWidget(self.record)
            self.input_row.addWidget(label(target, role="muted", wrap=False))
            self.input_row.addStretch(1)
        elif t is StepType.CHOICE:
            self.choice = named(QComboBox(), f"choice:{item.id}",
                                _("{step}: choice").format(step=self.title))
            self.choice.addItem(_("Choose…"), None)
            for c in item.choices:
                self.choice.addItem(tr(choice_msg(c)), c)
            if isinstance(r.value, str):
                self.choice.setCurrentIndex(self.choice.findData(r.value))
            self.choice.currentIndexChanged.connect(self._chosen)
            self.choice.setMinimumWidth(240)
            self.input_row.addWidget(self.choice)
            self.input_row.addStretch(1)
        elif t is StepType.PHOTO:
            self.attach_button = named(QPushButton(_("Attach photo or file…")), f"attach:{item.id}",
                                       _("{step}: attach a photo or file")
                                       .format(step=self.title))
            self.attach_button.clicked.connect(self._pick_file)
            self.attached = label("", f"attached:{item.id}")
            self.input_row.addWidget(self.attach_button)
            self.input_row.addWidget(self.attached, 1)
        else:
            self.note = named(QPlainTextEdit(r.value if isinstance(r.value, str) else ""),
                              f"note:{item.id}", _("{step}: note").format(step=self.title))
            self.note.setMaximumHeight(70)
            self.note_saver = TextSaver(self.note.toPlainText, self._noted, self)
            self.note.textChanged.connect(self.note_saver.touch)
            self.input_row.addWidget(self.note, 1)

    def _target(self) -> str:
        lo, hi, unit = self.item.target_low, self.item.target_high, self.item.unit or ""
        if lo is not None and hi is not None:
            return tr(msg("target {range}", range=target_msg(lo, hi, unit)))
        return ""

    # --- inputs -> engine -------------------------------------------------------------

    def _checked(self, on: bool) -> None:
        self._apply(lambda: self.engine.set_check(self.item.id, on))

    def submit_measurement(self) -> None:
        try:
            flag = self.engine.set_measurement(self.item.id, self.value.text())
        except MeasurementError as error:
            self._message(error_text(error), "error")
            return
        self._message(tr(flag.message) if flag else "", "flag")
        self.refresh()

    def _chosen(self) -> None:
        choice = self.choice.currentData()
        if choice is None:
            self._apply(lambda: self.engine.reopen(self.item.id))
        else:
            self._apply(lambda: self.engine.set_choice(self.item.id, choice))

    def _noted(self, text: str) -> None:
        self._apply(lambda: self.engine.set_note_value(self.item.id, text))

    def _pick_file(self) -> None:
        dialog = PhotoDialog(self, _("Attach to “{step}”").format(step=self.title),
                             self.io.tasks if self.io is not None else None)
        dialog.setObjectName("attachDialog")
        dialog.setNameFilter(_("Photos and files") + " (*.png *.jpg *.jpeg *.pdf *.txt *.json)")
        dialog.fileSelected.connect(self.attach_file)
        dialog.open()

    def attach_file(self, path: str) -> None:
        file = Path(path)
        kind = CONTENT_TYPES.get(file.suffix.lower())
        if kind is None:
            self._message(_("Attach a PNG or JPEG photo, a PDF, or a text file."), "error")
            return
        try:
            content = file.read_bytes()
        except OSError as error:
            self._message(_("The file could not be read: {error}").format(error=error), "error")
            return
        if self.io is None:
            self._apply(lambda: self.engine.attach(self.item.id, content, kind, file.name))
            return
        self.attach_button.setEnabled(False)
        self.attached.setText(_("Keeping {file}…").format(file=file.name))
        self.io.add_attachment(content, kind, file.name, self._stored, self._not_stored)

    def _stored(self, sha: str) -> None:
        self.attach_button.setEnabled(True)
        self._apply(lambda: self.engine.attach_stored(self.item.id, sha))

    def _not_stored(self, error: BaseException) -> None:
        self.attach_button.setEnabled(True)
        self._message(_("The file was not attached: {error}").format(error=error), "error")
        self.refresh()

    def _skip(self) -> None:
        self._apply(lambda: self.engine.skip(self.item.id, self.reason.text()))

    def _reopen(self) -> None:
        self._apply(lambda: self.engine.reopen(self.item.id))

    def _apply(self, action: Callable[[], object]) -> None:
        try:
            action()
        except (SessionError, ValueError, OSError) as error:
            self._message(error_text(error), "error")
            return
        self._message("", "flag")
        self.refresh()

    def _message(self, text: str, role: str) -> None:
        self.flag.setText(text)
        self.flag.setVisible(bool(text))
        self.flag.setProperty("role", role)
        self.flag.style().unpolish(self.flag)
        self.flag.style().polish(self.flag)

    def flush(self) -> None:
        if self.item.type is StepType.NOTE:
            self.note_saver.flush()

    def refresh(self) -> None:
        r = self.engine.doc.result(self.item.id)
        text = status_word(r.status)
        if r.status == "skipped":
            text = _("{status}: {reason}").format(status=text, reason=r.skip_reason)
            self.reason.setText(r.skip_reason)
        self.status.setText(text)
        self.status.setProperty("role", "ok" if r.status == "done" else "muted")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.skip.setVisible(r.status == "open")
        self.reason.setVisible(r.status == "open")
        self.reopen.setVisible(r.status != "open")
        if self.item.type is StepType.PHOTO:
            n = len(r.attachments)
            self.attached.setText(ngettext("{count} attached", "{count} attached", n)
                                  .format(count=n) if n else _("Nothing attached yet"))
        if self.item.type is StepType.MEASUREMENT and isinstance(r.value, float):
            kind = self.engine.kinds.get(self.item.asset_id)
            flag = item_flag(self.item, kind, r.value)
            if flag and not self.flag.isVisible():
                self._message(tr(flag.message), "flag")


class OptimisePage(QWidget):
    def __init__(self, engine: SessionEngine, io: SessionIO | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("optimisePage")
        self.engine = engine
        self.io = io
        layout = QVBoxLayout(self)
        layout.addWidget(label(_("Optimise"), "optimiseTitle", "pageTitle"))
        self.summary = label("", "checklistSummary", "muted")
        layout.addWidget(self.summary)
        self.scroller = named(QScrollArea(), "checklistScroll", _("Checklist"))
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        layout.addWidget(self.scroller, 1)
        self.cards: dict[str, StepCard] = {}
        self._ids: list[str] = []
        engine.changed.connect(self._on_changed)
        self._summarise()  # the cards are built when the page is first shown (rebuild)

    def _on_changed(self, what: str) -> None:
        if what in ("checklist", "wishes") and self.isVisible():
            self.rebuild()  # hidden: the window rebuilds it when it shows the page

    def rebuild(self) -> None:
        """Rebuild the cards when the checklist changed (wishes add or remove steps)."""
        ids = [i.id for i in self.engine.doc.checklist]
        if ids != self._ids:
            self.flush()
            body = QWidget()
            body.setObjectName("checklistBody")
            col = QVBoxLayout(body)
            self.cards = {}
            for item in self.engine.doc.checklist:
                self.cards[item.id] = StepCard(self.engine, item, self.io)
                col.addWidget(self.cards[item.id])
            col.addStretch(1)
            self.scroller.setWidget(body)
            self._ids = ids
        self._summarise()

    def _summarise(self) -> None:
        doc = self.engine.doc
        closed = sum(1 for i in doc.checklist if doc.result(i.id).status != "open")
        open_req = sum(1 for i in doc.checklist
                       if i.required and doc.result(i.id).status == "open")
        total = len(doc.checklist)
        self.summary.setText(tr(msg(
            "{done} · {open}. Each step is done, or skipped with a reason.",
            done=nmsg("{closed} of {count} step done or skipped",
                      "{closed} of {count} steps done or skipped", total, closed=closed),
            open=nmsg("{count} required still open", "{count} required still open", open_req))))

    def flush(self) -> None:
        for c in self.cards.values():
            c.flush()
