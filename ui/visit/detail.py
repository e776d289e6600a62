# SPDX-License-Identifier: Apache-2.0
"""The visit detail page (imported on first use: it pulls in pyqtgraph)."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from concierge.i18n import SOURCE, _, pgettext, tr, ui
from concierge.session.text import fmt_value, kind_label, label_name, outcome_msg
from ui.charts import Forecast, TelemetryChart
from ui.format import (
    SEVERITY_TONES,
    date_text,
    headline_of,
    local,
    place_text,
    priority_name,
    priority_tone,
    severity_name,
    status_name,
    summary_text,
    when_text,
    window_text,
)
from ui.remote_fixes import site_fixes_card
from ui.serve.digest import held_text
from ui.theme import badge_colours, follow_palette, tone
from ui.visit.data import HISTORY_SHOWN, VisitBundle
from ui.visit.evidence import anomaly_spans, attempt_events
from ui.withdrawal import office_note_text, withdrawal_sentence, withdrawal_status

VERDICT_TONES = {"held": "ok", "regressed": "error", "unchanged": "muted",
                 "no data yet": "muted"}  # ui.theme.tone: readable on light and dark


def _paint_badge(label: QLabel, meaning: str) -> None:
    fill, text = badge_colours(meaning)
    label.setStyleSheet(f"background:{fill.name()}; color:{text.name()}; border-radius:9px;"
                        "padding:2px 10px; font-weight:600;")


def verdict_name(verdict: str) -> str:
    names = {"held": pgettext("outcome", "held"), "regressed": pgettext("outcome", "regressed"),
             "unchanged": pgettext("outcome", "unchanged"),
             "no data yet": pgettext("outcome", "no data yet"),
             "no verdict": pgettext("outcome", "usage, no verdict")}
    return names.get(verdict, verdict)


def explanation_text(insight: Any) -> str:
    """The insight's explanation in the UI language: from its data where it can be, else
    the detector's English wording (shown only to English readers)."""
    from concierge.insights.text import explanation_msg

    message = explanation_msg(insight)
    if message is not None:
        return ui().render(message)
    return insight.explanation if ui().language == SOURCE else ""


def kind_name(kind: str) -> str:
    return ui().render(kind_label(kind))


def maps_url(site: Any) -> QUrl:
    """A geo: URI (the system's maps handler) with the address as query."""
    query = quote(site.address)
    return QUrl(f"geo:{site.latitude},{site.longitude}?q={query}")


def web_maps_url(site: Any) -> QUrl:
    return QUrl(f"https://www.openstreetmap.org/search?query={quote(site.address)}")


def open_maps(site: Any) -> None:
    if not QDesktopServices.openUrl(maps_url(site)):
        QDesktopServices.openUrl(web_maps_url(site))


def _label(text: str, name: str, role: str | None = None, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if role:
        label.setProperty("role", role)
    return label


def _card(title: str, name: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName(name)
    frame.setProperty("card", True)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 10, 12, 12)
    heading = QLabel(title)
    heading.setProperty("role", "cardTitle")
    layout.addWidget(heading)
    return frame, layout


def session_action(bundle: VisitBundle) -> str | None:
    """The one action the visit's state allows: start, resume, view the report; none for a
    visit the office cancelled or took away (its draft can still be exported)."""
    status = str(bundle.visit.status)
    session = bundle.session or {}
    if bundle.withdrawn or status == "cancelled":
        return None
    if session.get("status") == "completed" or status == "completed":
        return "report"
    if session:
        return "resume"
    return "start"


class VisitDetail(QWidget):
    back_requested = Signal()
    start_session = Signal(str)
    notes_saved = Signal(str, str)  # visit id, the technician's notes

    def __init__(self, bundle: VisitBundle, parent: QWidget | None = None,
                 open_address: Callable[[Any], None] = open_maps,
                 office_notes_seen: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("visitDetail")
        self.bundle = bundle
        self._open_address = open_address
        visit, site = bundle.visit, bundle.site
        self.charts: list[TelemetryChart] = []

        self.back = QPushButton(_("← Board"))
        self.back.setObjectName("visitBack")
        self.back.setAccessibleName(_("Back to the board"))
        self.back.setToolTip(_("Back to the board (Esc, Alt+Left)"))
        self.back.clicked.connect(self.back_requested)
        title = _label(place_text(site.customer_name, site.name), "visitTitle", wrap=False)
        badge = QLabel(priority_name(visit.priority))
        badge.setObjectName("priorityBadge")
        follow_palette(badge, lambda: _paint_badge(badge, priority_tone(visit.priority)))
        status = (withdrawal_status(bundle.withdrawal) if bundle.withdrawn
                  else status_name(visit.status))
        meta = _label(f"{window_text(visit.window_start, visit.window_end)} · {status}",
                      "visitMeta", "muted", wrap=False)
        self.action = session_action(bundle)
        texts = {"start": (_("Start session"), _("Start the visit's session")),
                 "resume": (_("Resume session"), _("Resume the visit's session")),
                 "report": (_("View report"), _("View the visit's report")),
                 None: (_("Start session"), _("Start the visit's session"))}
        text, spoken = texts[self.action]
        self.session_button = QPushButton(text)
        self.session_button.setObjectName("startSession")
        self.session_button.setAccessibleName(spoken)
        self.session_button.setProperty("primary", True)
        self.session_button.setVisible(self.action is not None)
        self.session_button.clicked.connect(lambda: self.start_session.emit(visit.id))
        self.export_button = QPushButton(_("Export draft…"))
        self.export_button.setObjectName("exportDraft")
        self.export_button.setAccessibleName(_("Export the session draft to a file"))
        self.export_button.setVisible(self.action is None and bundle.session is not None)
        self.export_button.clicked.connect(self._choose_export)
        header = QHBoxLayout()
        header.addWidget(self.back)
        header.addSpacing(8)
        header.addWidget(title)
        header.addWidget(badge)
        header.addSpacing(8)
        header.addWidget(meta)
        header.addStretch(1)
        header.addWidget(self.export_button)
        header.addWidget(self.session_button)

        body = QWidget()
        body.setObjectName("visitBody")
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(14)
        left = QVBoxLayout()
        left.addWidget(self._site_card(site))
        left.addWidget(self._assets_card(bundle.assets))
        left.addWidget(self._history_card(bundle.history))
        fixes = site_fixes_card(site, bundle.assets)  # resolved behind the scenes here
        if fixes is not None:
            left.addWidget(fixes)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self._notes_card(bundle, office_notes_seen))
        right.addWidget(self._insights_card(bundle))
        if bundle.held:  # the office's 7- and 30-day checks of earlier work here
            held, held_layout = _card(_("Did earlier work hold (the office's checks)"),
                                      "heldCard")
            held_layout.addWidget(_label(held_text(bundle.held), "heldChecks"))
            right.addWidget(held)
        right.addWidget(self._charts_card(bundle))
        right.addStretch(1)
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 5)
        scroll = QScrollArea()
        scroll.setObjectName("visitScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(header)
        self.state_banner = self._state_banner(bundle)
        if self.state_banner is not None:
            layout.addWidget(self.state_banner)
        layout.addWidget(scroll, 1)
        QWidget.setTabOrder(self.back, self.session_button)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc or Back (Alt+Left) returns to the board from anywhere on the page."""
        if event.key() == Qt.Key.Key_Escape or event.matches(QKeySequence.StandardKey.Back):
            self.back_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    # --- the office's word and the technician's notes -------------------------------
    def _state_banner(self, bundle: VisitBundle) -> QLabel | None:
        """A visit the office cancelled or took away says so, with the office's reason."""
        visit = bundle.visit
        if bundle.withdrawn:
            text = withdrawal_sentence(bundle.withdrawal)
            withdrawal = bundle.withdrawal
        elif str(visit.status) == "cancelled":
            text, withdrawal = _("The office cancelled this visit."), None
        else:
            return None
        text = f"{text} {office_note_text(withdrawal, visit.office_notes)}"
        if bundle.session is not None:
            text += " " + _("Your draft is kept: read it or export it here.")
        banner = _label(text, "visitStateBanner", "warning")
        banner.setAccessibleName(text)
        return banner

    def _notes_card(self, bundle: VisitBundle, seen: str | None) -> QFrame:
        card, layout = _card(_("Notes"), "notesCard")
        office = bundle.visit.office_notes.strip()
        updated = bool(office) and seen is not None and seen != office
        heading = _("From the office") + (f"  ·  {_('Updated')}" if updated else "")
        self.office_heading = _label(heading, "officeNotesHeading", "warning" if updated else None)
        self.office_notes = _label(office if office
                                   else _("No instructions from the office."),
                                   "officeNotes", None if office else "muted")
        self.office_notes.setTextFormat(Qt.TextFormat.PlainText)
        self.office_notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.office_notes_updated = updated
        layout.addWidget(self.office_heading)
        layout.addWidget(self.office_notes)
        mine = _label(_("Your notes (kept offline, sent with the next sync)"), "myNotesHeading")
        self.my_notes = QPlainTextEdit(bundle.visit.technician_notes)
        self.my_notes.setObjectName("myNotes")
        self.my_notes.setAccessibleName(_("Your notes on this visit"))
        self.my_notes.setMaximumHeight(110)
        self.my_notes.setReadOnly(bundle.withdrawn)
        self.save_notes = QPushButton(_("Save notes"))
        self.save_notes.setObjectName("saveNotes")
        self.save_notes.setAccessibleName(_("Save your notes on this visit"))
        self.save_notes.setEnabled(False)
        self.save_notes.setVisible(not bundle.withdrawn)
        self.my_notes.textChanged.connect(lambda: self.save_notes.setEnabled(
            self.my_notes.toPlainText() != self.bundle.visit.technician_notes))
        self.save_notes.clicked.connect(lambda: self.notes_saved.emit(
            self.bundle.visit.id, self.my_notes.toPlainText()))
        layout.addWidget(mine)
        layout.addWidget(self.my_notes)
        layout.addWidget(self.save_notes, alignment=Qt.AlignmentFlag.AlignRight)
        return card

    def _choose_export(self) -> None:
        from PySide6.QtCore import QStandardPaths
        from PySide6.QtWidgets import QFileDialog

        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation)
        dialog = QFileDialog(self, _("Export the session draft"), folder,
                             _("Session draft (*.json)"))
        dialog.setObjectName("exportDraftDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("json")
        dialog.selectFile(f"{self.bundle.visit.id}-draft.json")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.export_draft)
        dialog.open()

    def export_draft(self, path: str) -> None:
        """Write the session draft (what the technician typed) as readable JSON."""
        import json

        session = dict(self.bundle.session or {})
        for key in ("started_at", "completed_at"):
            if session.get(key) is not None:
                session[key] = session[key].isoformat()
        visit = self.bundle.visit
        document = {"visit": visit.id, "customer": self.bundle.site.customer_name,
                    "site": self.bundle.site.name, "office_notes": visit.office_notes,
                    "technician_notes": visit.technician_notes, "session": session}
        with open(path, "w", encoding="utf-8") as out:
            json.dump(document, out, ensure_ascii=False, indent=2)

    # --- cards ---------------------------------------------------------------------
    def _site_card(self, site: Any) -> QFrame:
        card, layout = _card(_("Customer and site"), "siteCard")
        contact = " · ".join(x for x in (site.contact_name, site.contact_phone,
                                          site.contact_email) if x)
        layout.addWidget(_label(contact or _("No contact on file"), "siteContact"))
        self.address = QPushButton(f"{site.address}  ↗")
        self.address.setObjectName("siteAddress")
        self.address.setAccessibleName(_("Open {address} in maps").format(address=site.address))
        self.address.setToolTip(_("Open in your maps app"))
        self.address.setProperty("link", True)
        self.address.clicked.connect(lambda: self._open_address(site))
        layout.addWidget(self.address, alignment=Qt.AlignmentFlag.AlignLeft)
        notes = site.access_notes or _("No access notes.")
        layout.addWidget(_label(_("Access: {notes}").format(notes=notes), "siteAccess", "muted"))
        return card

    def _assets_card(self, assets: list[Any]) -> QFrame:
        card, layout = _card(_("Assets"), "assetsCard")
        for asset in assets:
            kind = kind_name(str(asset.kind))
            serial = _("Serial {serial}").format(serial=html.escape(asset.serial))
            layout.addWidget(_label(
                f"<b>{html.escape(kind)}</b> · {html.escape(asset.model)}"
                f"<br><span>{serial}</span>", "assetRow"))
        if not assets:
            layout.addWidget(_label(_("No assets listed."), "assetsEmpty", "muted"))
        return card

    def _history_card(self, history: list[Any]) -> QFrame:
        card, layout = _card(_("History at this site"), "historyCard")
        names = {a.id: f"{a.model} ({a.serial})" for a in self.bundle.assets}
        for past in history[:HISTORY_SHOWN]:
            when = local(past.window_start)
            outcome = (tr(outcome_msg(past.outcome)) if past.outcome
                       else summary_text(past.summary, past.summary_code))
            outcomes = self.bundle.outcomes.get(past.id, [])
            status = "completed" if outcomes else past.status  # a completed session says so
            layout.addWidget(_label(
                f"<b>{date_text(when) if when else ''}</b> · {status_name(status)}"
                f"<br>{html.escape(outcome or '')}", "historyRow"))
            if outcomes:
                layout.addWidget(self._outcome_label(past.id, outcomes, names))
        if not history:
            layout.addWidget(_label(_("First visit at this site."), "historyEmpty", "muted"))
        return card

    def _outcome_label(self, visit_id: str, outcomes: list[Any], names: dict[str, str]
                       ) -> QLabel:
        """Per KPI: baseline → since the visit, and whether the improvement held."""
        spoken = []
        shown = []  # (KPI · where, baseline → since, verdict)
        waiting = []
        for o in outcomes:
            unit = o.kpi.unit
            where = names.get(o.asset_id, o.asset_id)
            since = fmt_value(o.since, unit) if o.since is not None else "—"
            spoken.append(_("{kpi}, {where}: {before} to {after}, {verdict}").format(
                kpi=o.kpi.label, where=where, before=fmt_value(o.baseline, unit), after=since,
                verdict=verdict_name(o.verdict)))
            if o.verdict == "no data yet":
                waiting.append(f"{o.kpi.label} · {where}")
                continue
            shown.append((f"{o.kpi.label} · {where}", f"{fmt_value(o.baseline, unit)} → {since}",
                          o.verdict))

        def text() -> str:
            """In the palette's colours now (again after a live switch)."""
            rows = "".join(
                f"<tr><td>{html.escape(what)}&nbsp;</td>"
                f"<td nowrap>{html.escape(change)}&nbsp;</td>"
                f"<td nowrap style='color:{tone(VERDICT_TONES.get(verdict, 'muted'))}; "
                f"font-weight:600'>{html.escape(verdict_name(verdict))}</td></tr>"
                for what, change, verdict in shown)
            result = "<span>" + _("Since the visit (baseline → now):") + "</span>"
            if rows:
                result += "<table cellspacing='0'>" + rows + "</table>"
            if waiting:
                words = _("No data yet: {kpis}.").format(kpis=html.escape(", ".join(waiting)))
                result += f"<span style='color:{tone('muted')}'>{words}</span>"
            return result

        label = _label("", f"historyOutcome:{visit_id}")
        follow_palette(label, lambda: label.setText(text()))
        label.setAccessibleName(_("Outcome since the visit: {outcomes}")
                                .format(outcomes="; ".join(spoken)))
        return label

    def _insights_card(self, bundle: VisitBundle) -> QFrame:
        card, layout = _card(_("Why this visit"), "insightsCard")
        assets = {a.id: a for a in bundle.assets}
        for insight in sorted(bundle.insights, key=_severity_rank):
            asset = assets.get(insight.asset_id)
            where = f" · {asset.model}" if asset is not None else ""
            row = _label("", "insightRow")
            row.setProperty("severity", str(insight.severity))
            follow_palette(row, functools.partial(_paint_insight, row, insight, where))
            layout.addWidget(row)
        if not bundle.insights:
            layout.addWidget(_label(_("No open insights: a routine visit."), "insightsEmpty",
                                    "muted"))
        return card

    def _charts_card(self, bundle: VisitBundle) -> QFrame:
        card, layout = _card(_("Telemetry evidence"), "chartsCard")
        hint = _label(_("Drag to pan; Ctrl+wheel (or click, then wheel) zooms; with a chart "
                        "focused: +/− zoom, arrows pan, 0 fits. Point at a chart to read a "
                        "value. Reads the local copy, so it works offline."), "chartsHint", "muted")
        layout.addWidget(hint)
        done = str(bundle.visit.status) not in ("proposed", "scheduled", "in_progress")
        for data in bundle.charts:
            label = label_name(data.spec.label) if data.spec else data.metric
            title = f"{label} · {data.asset.model}"
            window = data.window
            if window is None or not len(window.t):
                why = (_("{chart}: no readings on this laptop. Telemetry is kept offline for "
                         "open visits; this one is closed, so its readings were not fetched.")
                       if done else
                       _("{chart}: no readings on this laptop yet. Sync while online to fetch "
                         "them."))
                layout.addWidget(_label(why.format(chart=title), "chartNoData", "muted"))
                continue
            chart = TelemetryChart(data.spec, title)
            chart.set_series(window.t, window.mean, window.min, window.max)
            if data.insight is not None:
                chart.set_forecast(Forecast.from_evidence(
                    data.insight.evidence, data.insight.predicted_impact_at))
            chart.set_spans(anomaly_spans(data.insights, data.asset.id, data.metric))
            chart.set_events(attempt_events(data.attempts,
                                            data.spec.unit if data.spec else None))
            self.charts.append(chart)
            layout.addWidget(chart)
        if not bundle.charts:
            layout.addWidget(_label(_("No telemetry stored for these assets yet."), "chartsEmpty",
                                    "muted"))
        return card


def _paint_insight(row: QLabel, insight: Any, where: str) -> None:
    """An insight as rich text, its severity in the palette's colour now."""
    colour = tone(SEVERITY_TONES.get(str(insight.severity), "muted"))
    row.setText(
        f"<span style='color:{colour}; font-weight:600'>"
        f"{html.escape(severity_name(str(insight.severity)).upper())}</span> "
        f"<b>{html.escape(headline_of(insight))}</b>{html.escape(where)}<br>"
        f"{html.escape(explanation_text(insight))}<br>"
        "<span>" + html.escape(_("Confidence {confidence} · impact {when}").format(
            confidence=ui().percent(insight.confidence),
            when=when_text(insight.predicted_impact_at))) + "</span>")


def _severity_rank(insight: Any) -> int:
    return {"critical": 0, "warning": 1}.get(str(insight.severity), 2)
