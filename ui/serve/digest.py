# SPDX-License-Identifier: Apache-2.0
"""The office's digest on the laptop (#19.3, #19.4): praise and good ratings the
technician earned, their follow-ups and call-backs (open, owner, due), and whether earlier
work held. Fetched after each sync, kept in the store, shown offline."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTabWidget, QVBoxLayout, QWidget

from concierge.i18n import _, ngettext, pgettext, tr
from concierge.office_text import event_note, task_title
from ui.format import date_text, local

TASK_KINDS = {"wish_follow_up": lambda: _("Wish follow-up"),
              "call_back": lambda: _("Call-back"), "praise": lambda: _("Praise")}
TASK_STATUSES = {"open": lambda: pgettext("task", "open"),
                 "in_progress": lambda: pgettext("task", "in progress"),
                 "done": lambda: pgettext("task", "done"),
                 "cancelled": lambda: pgettext("task", "cancelled")}
HELD_WORDS = {"held": lambda: pgettext("outcome", "held"),
              "regressed": lambda: pgettext("outcome", "regressed"),
              "no data": lambda: pgettext("outcome", "no data yet")}
HELD_TONES = {"held": "ok", "regressed": "error"}  # ui.theme.semantic meanings


def _word(words: dict[str, Any], key: str) -> str:
    return str(words[key]()) if key in words else key


def _place(store: Any, site_id: str, cache: dict[str, str]) -> str:
    if site_id not in cache:
        site = store.site(site_id)
        cache[site_id] = (site.name if site.name.startswith(site.customer_name)
                          else f"{site.customer_name} · {site.name}") if site else site_id
    return cache[site_id]


def _day(moment: datetime) -> str:
    when = local(moment.timestamp())
    return date_text(when) if when else ""


@dataclass(frozen=True)
class HeldRow:
    """An office check in words: where, which asset and KPI, how long after, the verdict."""

    place: str
    asset: str
    kpi: str
    day: int
    verdict: str
    checked_at: datetime


def _held_rows(store: Any, checks: list[Any], places: dict[str, str]) -> list[HeldRow]:
    """Names instead of ids (the asset as the earlier visit knew it, the KPI's label)."""
    from concierge.session.kpi import kpi_def
    from concierge.session.text import label_name

    assets: dict[str, Any] = {}
    rows = []
    for h in checks:
        if h.asset_id not in assets:
            assets.update({a.id: a for a in store.assets_for_visit(h.visit_id)})
        asset = assets.get(h.asset_id)
        kpi = h.kpi
        if asset is not None:
            with contextlib.suppress(KeyError, ValueError):  # a KPI this app does not know
                kpi = label_name(kpi_def(asset.kind, h.kpi).label)
        rows.append(HeldRow(_place(store, h.site_id, places),
                            f"{asset.model} ({asset.serial})" if asset else h.asset_id, kpi,
                            h.day, h.verdict, h.checked_at))
    return rows


def _owner(owner: str, me: str | None) -> str:
    """Who has an item, never an account id: this technician, or the office (which passed
    it on to someone the laptop knows no name for)."""
    return _("You") if owner == me else _("The office")


def history_text(task: Any, me: str | None) -> str:
    """A tracked item's history, a line per change: when, the status, to whom it passed
    and the note (the office's own notes in the UI language, a person's as written)."""
    lines = []
    for event in task.history:
        when = local(event.at)
        parts = [date_text(when) if when else "", _word(TASK_STATUSES, event.status)]
        if event.owner:
            parts.append(_("passed on to you") if event.owner == me
                         else _("passed on to the office"))
        note = tr(event_note(task, event)).strip()
        if note:
            parts.append(note)
        lines.append(" · ".join(p for p in parts if p))
    return "\n".join(lines)


def digest_rows(store: Any) -> dict[str, list[list[str]]]:
    """The three tables' rows, from the kept digest (runs on the database worker)."""
    from concierge.sync.digest import cached_digest

    digest = cached_digest(store)
    account = store.account() if hasattr(store, "account") else None
    me = account[1].id if account else None
    places: dict[str, str] = {}
    praise = [[_day(t.created_at), _place(store, t.site_id, places),
               f"{t.detail.get('rating', '')} / 5", str(t.detail.get("comment", ""))]
              for t in digest.tasks if t.kind == "praise"]
    follow_ups = [t for t in sorted(digest.tasks, key=lambda t: (t.status != "open", t.due_at))
                  if t.kind != "praise"]
    follow = [[tr(task_title(t)), _word(TASK_KINDS, t.kind),
               _word(TASK_STATUSES, t.status), _owner(t.owner, me), _day(t.due_at),
               _place(store, t.site_id, places)] for t in follow_ups]
    held = _held_rows(store, digest.held, places)
    return {"praise": praise, "follow_ups": follow,
            "follow_up_history": [[history_text(t, me)] for t in follow_ups],
            "held": [[h.place, h.asset, h.kpi, days_after(h.day),
                      _word(HELD_WORDS, h.verdict)] for h in held],
            "verdicts": [[h.verdict] for h in held]}


class DigestDialog(QDialog):
    """Praise, follow-ups and "did it hold", from the last digest kept (works offline)."""

    def __init__(self, parent: QWidget, rows: dict[str, list[list[str]]]) -> None:
        from ui.session.common import table  # with the dialog, not with the main window

        super().__init__(parent)
        self.setObjectName("digestDialog")
        self.setWindowTitle(_("Praise and follow-ups"))
        self.resize(960, 440)  # room for the follow-ups: what, kind, status, owner, due, where
        self.tabs = QTabWidget()
        self.tabs.setObjectName("digestTabs")
        self.tabs.setAccessibleName(_("Praise, follow-ups and whether work held"))
        self.praise = table("digestPraise", _("Praise from your customers"),
                            [_("Date"), _("Customer"), _("Rating"), _("Comment")], stretch=3)
        self.follow_ups = table("digestFollowUps", _("Follow-ups of your visits"),
                                [_("What"), _("Kind"), _("Status"), _("Owner"), _("Due"),
                                 _("Customer")], stretch=0)
        self.held = table("digestHeld", _("Did the improvements hold"),
                          [_("Customer"), _("Asset"), _("KPI"), _("After"), _("Result")],
                          stretch=0)
        self.show_rows(rows)
        for widget, title in ((self.praise, _("Praise")), (self.follow_ups, _("Follow-ups")),
                              (self.held, _("Did it hold"))):
            self.tabs.addTab(widget, title)
        self.empty = QLabel(_("Nothing yet: praise, follow-ups and checks arrive with a sync."))
        self.empty.setObjectName("digestEmpty")
        self.empty.setVisible(not any(rows[k] for k in ("praise", "follow_ups", "held")))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("digestClose")
        close.setAccessibleName(_("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def show_rows(self, rows: dict[str, list[list[str]]]) -> None:
        from ui.session.common import fill

        fill(self.praise, rows["praise"])
        fill(self.follow_ups, rows["follow_ups"])
        for r, [history] in enumerate(rows.get("follow_up_history", [])):
            for c in range(self.follow_ups.columnCount()):
                item = self.follow_ups.item(r, c)
                if item is not None:
                    item.setToolTip(history)
        colours = {(r, 4): HELD_TONES[v] for r, [v] in enumerate(rows["verdicts"])
                   if v in HELD_TONES}
        fill(self.held, rows["held"], colours)


def held_lines(store: Any, site_id: str) -> list[HeldRow]:
    """The office's checks at a site (for the visit page; runs on the database worker)."""
    from concierge.sync.digest import cached_digest

    if not hasattr(store, "replication"):
        return []  # a store without the office's digest
    checks = [h for h in cached_digest(store).held if h.site_id == site_id]
    return _held_rows(store, checks, {})


def days_after(days: int) -> str:
    """The "did it hold" column: how long after the visit the office checked."""
    return ngettext("{count} day", "{count} days", days).format(count=days)


def held_text(rows: list[HeldRow]) -> str:
    """One line per check, latest first: KPI on asset, days after the visit, verdict."""
    return "\n".join(
        ngettext("{kpi} on {asset}, {count} day after the visit: {result}",
                 "{kpi} on {asset}, {count} days after the visit: {result}", h.day).format(
            kpi=h.kpi, asset=h.asset, count=h.day, result=_word(HELD_WORDS, h.verdict))
        for h in sorted(rows, key=lambda h: (h.checked_at, h.day), reverse=True))
