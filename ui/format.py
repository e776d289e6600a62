# SPDX-License-Identifier: Apache-2.0
"""Words and times for people: local time, "2 min ago", priority and status names.

Text comes from the catalogue (``_``/``ngettext``) in the UI language; numbers and dates
from ``QLocale()``, whose default ``ui.i18n.install`` sets to that language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QDateTime, QLocale

from concierge.i18n import SOURCE, _, ngettext, pgettext, ui
from concierge.store import board

# the meaning (ui.theme.semantic) whose colour marks each priority: badges and board dots
PRIORITY_TONES = {1: "urgent", 2: "high", 3: "accent", 4: "muted"}
STATUS_KEYS = ("proposed", "scheduled", "in_progress", "completed", "cancelled")
WITHDRAWN = "withdrawn"  # shown for a visit the office took off this technician
DONE_STATUSES = frozenset((*board.DONE_STATUSES, WITHDRAWN))
SEVERITY_TONES = {"info": "accent", "warning": "warn", "critical": "error"}  # ui.theme.tone


def priority_name(priority: int) -> str:
    return _priority_names(ui().language).get(priority, str(priority))


def priority_tone(priority: int) -> str:
    return PRIORITY_TONES.get(priority, PRIORITY_TONES[4])


def status_name(status: str) -> str:
    return _status_names(ui().language).get(status, status)


@lru_cache(maxsize=4)
def _priority_names(_language: str) -> dict[int, str]:
    return {1: pgettext("priority", "Urgent"), 2: pgettext("priority", "High"),
            3: pgettext("priority", "Normal"), 4: pgettext("priority", "Low")}


@lru_cache(maxsize=4)
def _status_names(_language: str) -> dict[str, str]:
    """Per language (the board asks for every row, on the worker too)."""
    return {
        "proposed": pgettext("visit status", "Proposed"),
        "scheduled": pgettext("visit status", "Scheduled"),
        "in_progress": pgettext("visit status", "In progress"),
        "completed": pgettext("visit status", "Completed"),
        "cancelled": pgettext("visit status", "Cancelled"),
        WITHDRAWN: pgettext("visit status", "Withdrawn by the office"),
    }


def severity_name(severity: str) -> str:
    names = {"info": pgettext("severity", "Info"), "warning": pgettext("severity", "Warning"),
             "critical": pgettext("severity", "Critical")}
    return names.get(severity, severity)


def summary_text(text: str, coded: Any = None) -> str:
    """A visit summary or insight headline in the UI language: from its code and
    parameters (``summary_code``/``headline_code``: a model, its JSON or a dict) when
    sent, else read back from the office's English."""
    if ui().language == SOURCE:
        return text
    return _summary_text(ui().language, text, _coded_json(coded))


def summaries_of(rows: Sequence[Any]) -> list[str]:
    """Each board row's summary in the UI language; each distinct one rendered once (the
    board's search index reads all of them before the first paint)."""
    if ui().language == SOURCE:
        return [r.summary for r in rows]
    said: dict[tuple[str, str | None], str] = {}
    out = []
    for r in rows:
        key = (r.summary, getattr(r, "summary_code", None))
        text = said.get(key)
        if text is None:
            text = said[key] = summary_text(*key)
        out.append(text)
    return out


def headline_of(insight: Any) -> str:
    """An insight's headline in the UI language."""
    return summary_text(insight.headline, getattr(insight, "headline_code", None))


def summary_of(visit: Any) -> str:
    """A visit's summary in the UI language."""
    return summary_text(str(visit.summary), getattr(visit, "summary_code", None))


def _coded_json(coded: Any) -> str | None:
    if coded is None or isinstance(coded, str):
        return coded
    if hasattr(coded, "model_dump_json"):
        return str(coded.model_dump_json())
    import json

    return json.dumps(coded, sort_keys=True)


@lru_cache(maxsize=4096)
def _summary_text(language: str, text: str, coded: str | None) -> str:
    import json

    from concierge.insights.text import headline_text

    try:
        data = None if coded is None else json.loads(coded)
    except ValueError:
        data = {}  # not readable: shown as the English text
    return ui().render(headline_text(text, data))


def place_text(customer: Any, site: Any = None) -> str:
    """"Customer · site" without saying the customer twice; takes a row or two names."""
    if site is None:
        customer, site = customer.customer_name, customer.site_name
    return str(site) if str(site).startswith(str(customer)) else f"{customer} · {site}"


def as_datetime(value: Any) -> datetime | None:
    """An aware datetime from a datetime, epoch seconds or ISO text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            return as_datetime(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def local(value: Any) -> datetime | None:
    moment = as_datetime(value)
    return moment.astimezone() if moment else None


def _qt(moment: datetime) -> QDateTime:
    return QDateTime.fromMSecsSinceEpoch(round(moment.timestamp() * 1000))  # local time


def clock(moment: datetime) -> str:
    """The local time of day in the UI locale: ``09:00`` / ``9:00 AM``."""
    return QLocale().toString(_qt(moment).time(), QLocale.FormatType.ShortFormat)


def day_text(moment: datetime) -> str:
    """A short day: ``Tue 14 May`` / ``Di. 14. Mai`` (no year)."""
    locale = QLocale()
    fmt = "ddd d MMM" if locale.language() == QLocale.Language.English else "ddd d. MMM"
    return locale.toString(_qt(moment).date(), fmt)


def date_text(moment: datetime, with_year: bool = True) -> str:
    """A date: ``14 May 2026`` / ``14. Mai 2026``."""
    locale = QLocale()
    english = locale.language() == QLocale.Language.English
    fmt = ("d MMM" if english else "d. MMM") + (" yyyy" if with_year else "")
    return locale.toString(_qt(moment).date(), fmt)


def number(value: float, decimals: int = -1) -> str:
    """A number in the UI locale (``12,5``); ``decimals`` -1: as few as needed."""
    locale = QLocale()
    if decimals >= 0:
        return locale.toString(float(value), "f", decimals)
    return locale.toString(float(value), "g", 6) if value != int(value) \
        else locale.toString(int(value))


def window_text(start: Any, end: Any, now: datetime | None = None) -> str:
    """"Today 09:00–11:00", "Tue 14 May 13:00–15:00"."""
    a, b = local(start), local(end)
    if a is None:
        return ""
    today = (now or datetime.now().astimezone()).date()
    days = (a.date() - today).days
    day = {0: _("Today"), 1: _("Tomorrow"), -1: _("Yesterday")}.get(days) or day_text(a)
    span = clock(a) + (f"–{clock(b)}" if b is not None else "")
    return f"{day} {span}"


def ago(value: Any, now: datetime | None = None) -> str:
    """"just now", "2 min ago", "3 h ago", "yesterday", "12 Mar"."""
    moment = as_datetime(value)
    if moment is None:
        return _("never")
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    if seconds < 45:
        return _("just now")
    if seconds < 3600:
        minutes = max(1, round(seconds / 60))
        return ngettext("{count} min ago", "{count} min ago", minutes).format(count=minutes)
    if seconds < 86_400:
        hours = int(seconds // 3600)
        return ngettext("{count} h ago", "{count} h ago", hours).format(count=hours)
    if seconds < 2 * 86_400:
        return _("yesterday")
    return date_text(moment, with_year=False)


def when_text(value: Any, now: datetime | None = None) -> str:
    """Future moment in words: "in ~9 days (Tue 14 May 10:00)"."""
    moment = local(value)
    if moment is None:
        return _("no forecast")
    seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    if seconds < 0:
        rel = _("already reached")
    elif seconds < 86_400:
        hours = max(1, round(seconds / 3600))
        rel = ngettext("in ~{count} h", "in ~{count} h", hours).format(count=hours)
    else:
        days = round(seconds / 86_400)
        rel = ngettext("in ~{count} day", "in ~{count} days", days).format(count=days)
    return _("{relative} ({moment})").format(relative=rel,
                                             moment=f"{day_text(moment)} {clock(moment)}")


def mark_withdrawn(rows: list[Any], withdrawn: set[str]) -> list[Any]:
    """Board rows with a visit the office took away shown as such (worker thread)."""
    if not withdrawn:
        return rows
    from dataclasses import replace

    return [replace(r, status=WITHDRAWN) if r.id in withdrawn else r for r in rows]
