# SPDX-License-Identifier: Apache-2.0
"""The back office's own wording, rendered in the reader's language from the data it was
made from: the titles and history notes of the office's tracked items (follow-ups,
call-backs, praise), what it told a customer after a remote fix, and the note on a visit
it resolved remotely.

The office writes these in English (what an older laptop shows). Each function here
rebuilds the message from the record's own fields and checks that, rendered in English,
it says what the office wrote; if it does not (an older or newer office, text a person
typed), the office's text is shown as it is."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from concierge.i18n import SOURCE, Msg, Translator, msg, translator_for

LOW_RATING = 3  # a rating this low (of 5) opens a call-back


def _same_in_english(message: Msg, text: str) -> Msg | str:
    """The message when its English is the office's text; else the text as sent."""
    return message if translator_for(SOURCE).render(message) == text else text


# --- the office's tracked items (serve tasks) -----------------------------------------


def _rating(detail: Mapping[str, Any]) -> int | None:
    rating = detail.get("rating")
    return rating if isinstance(rating, int) and not isinstance(rating, bool) else None


def call_back_reasons(detail: Mapping[str, Any]) -> Msg | None:
    """Why the customer is called back (a low rating, wishes not yet solved), joined."""
    rating = _rating(detail)
    not_yet = detail.get("not_yet")
    reasons: list[Msg] = [msg("rated {rating}/5", rating=rating)] \
        if rating is not None and rating <= LOW_RATING else []
    if isinstance(not_yet, list):
        reasons += [msg("not yet: {wish}", wish=str(w)) for w in not_yet]
    if not reasons:
        return None
    joined = reasons[0]
    for later in reasons[1:]:
        joined = msg("{first}; {then}", first=joined, then=later)
    return joined


def _praise_title(detail: Mapping[str, Any]) -> Msg | None:
    rating = _rating(detail)
    if rating is None:
        return None
    comment = str(detail.get("comment", ""))
    if comment.strip():
        return msg("The customer rated your visit {rating}/5: “{comment}”", rating=rating,
                   comment=comment)
    return msg("The customer rated your visit {rating}/5", rating=rating)


def task_title(task: Any) -> Msg | str:
    """A tracked item's title: a wish's follow-up is the wish as the customer put it;
    a call-back and praise are worded from their detail."""
    detail = task.detail if isinstance(task.detail, Mapping) else {}
    made: Msg | None = None
    if task.kind == "call_back":
        reasons = call_back_reasons(detail)
        made = msg("Call the customer back: {reasons}", reasons=reasons) if reasons else None
    elif task.kind == "praise":
        made = _praise_title(detail)
    return task.title if made is None else _same_in_english(made, task.title)


_SYSTEM_NOTES = (  # what ``concierge_office.serve.tasks_for_session`` writes
    msg("opened: the customer did not call this wish solved"),
    msg("passed on to the technician who earned it"),
)


def event_note(task: Any, event: Any) -> Msg | str:
    """A history entry's note: the office's own notes in the reader's language; what a
    person at the office wrote, as written."""
    note = str(event.note)
    if event.by != "system":
        return note
    for known in _SYSTEM_NOTES:
        if known.text == note:
            return known
    detail = task.detail if isinstance(task.detail, Mapping) else {}
    if task.kind == "call_back" and (reasons := call_back_reasons(detail)) is not None:
        return _same_in_english(msg("opened: {reasons}", reasons=reasons), note)
    return note


# --- remote fixes --------------------------------------------------------------------


@dataclass(frozen=True)
class _Clock:
    """A moment as its time of day, in the reader's time zone."""

    ts: float

    def render(self, t: Translator) -> str:
        return t.format_time(datetime.fromtimestamp(self.ts, UTC))


@dataclass(frozen=True)
class _Reading:
    """A reading as the office reports it: two decimals at most."""

    value: float

    def render(self, t: Translator) -> str:
        return t.number(round(self.value, 2))


# What each playbook (``concierge_office/devices/playbooks.json``) tells the customer.
CUSTOMER_NOTES: dict[str, Msg] = {
    "elevator-door-recalibrate": msg(
        "We noticed the lift doors closing more slowly and recalibrated the door operator "
        "remotely at {time}; they now close in {observed} s again. Nothing for you to do."),
    "gateway-rerange": msg(
        "We saw your internet connection's signal weakening and re-ranged your modem remotely "
        "at {time}; the signal is back to {observed} dB. Nothing for you to do."),
    "gateway-channel-change": msg(
        "We saw delays on your internet connection and moved your modem to a quieter channel "
        "at {time}; latency is back to {observed} ms. Nothing for you to do."),
    "gateway-codewords-channel-change": msg(
        "We saw transmission errors on your internet connection and moved your modem to a "
        "cleaner channel at {time}. Nothing for you to do."),
    "heat-pump-heating-curve": msg(
        "We saw your heat pump working harder than it should and adjusted its heating curve "
        "remotely at {time}; its efficiency (COP) is back to {observed}. Nothing for you to do."),
    "heat-pump-defrost-schedule": msg(
        "We saw your heat pump defrosting too often and changed its defrost schedule remotely "
        "at {time}. Nothing for you to do."),
}


def _pattern(template: str) -> re.Pattern[str]:
    """The office's English with its ``{time}``/``{observed}`` filled in anyhow."""
    parts = re.split(r"\{(?:time|observed)\}", template)
    return re.compile(".+?".join(re.escape(p) for p in parts), re.DOTALL)


def customer_note(fix: Any) -> Msg | str:
    """What the office told the customer about a remote fix, in the reader's language
    (the time in their time zone); the office's words when they are not a playbook's this
    version knows."""
    note = str(fix.customer_note or "").strip()
    template = CUSTOMER_NOTES.get(str(fix.action))
    concluded = fix.concluded_at
    if not note or template is None or concluded is None \
            or not _pattern(template.text).fullmatch(note):
        return note
    if "{observed}" in template.text and fix.observed is None:
        return note
    params: dict[str, Any] = {"time": _Clock(concluded.timestamp())}
    if "{observed}" in template.text:
        params["observed"] = _Reading(float(fix.observed))
    return template.with_params(**params)


_FIXED_NOTE = re.compile(r"(\S+) (-?\d+(?:\.\d+)?|\?) -> (-?\d+(?:\.\d+)?|\?): fixed remotely")


def fixed_remotely_note(note: str) -> Msg | str:
    """The office's note on a visit it resolved remotely ("snr 30.00 -> 34.00: fixed
    remotely", the fixed attempt's detail; shown after the sentence that says it was
    resolved remotely): the metric by name, the readings in the reader's format; any
    other note as written."""
    from concierge.insights.text import _Amount, _metric

    match = _FIXED_NOTE.fullmatch(note.strip())
    if match is None:
        return note
    try:
        label, unit = _metric({"metric": match.group(1)})
    except KeyError:
        return note

    before, after = (None if text == "?" else _Amount(float(text), unit)
                     for text in match.group(2, 3))
    if after is None:
        return msg("Fixed remotely: {metric}", metric=label)
    if before is None:
        return msg("{metric}: now {after}", metric=label, after=after)
    return msg("{metric}: {before} before, {after} after", metric=label, before=before,
               after=after)
