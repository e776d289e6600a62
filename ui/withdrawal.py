# SPDX-License-Identifier: Apache-2.0
"""Why the office took a visit off the technician, in the UI language: the board's status,
the visit page's banner and the change list say the same."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from concierge.i18n import _, pgettext, tr
from concierge.office_text import fixed_remotely_note
from ui.format import clock, day_text, local


def moment_text(moment: datetime | None) -> str:
    """``10:42`` today, else ``Tue 14 May 10:42`` (in the UI locale)."""
    when = local(moment)
    if when is None:
        return ""
    today = datetime.now().astimezone().date()
    return clock(when) if when.date() == today else f"{day_text(when)} {clock(when)}"


def withdrawal_status(withdrawal: Any | None) -> str:
    """Short, for the board's status column: "Resolved remotely at 10:42"."""
    code = getattr(withdrawal, "code", None)
    at = getattr(withdrawal, "at", None)
    if code == "cancelled":
        return pgettext("visit status", "Cancelled by the office")
    if code == "reassigned":
        return pgettext("visit status", "Reassigned")
    if code == "handed_over":
        return pgettext("visit status", "Handed over")
    if code == "resolved_remotely":
        if at is None:
            return pgettext("visit status", "Resolved remotely")
        return pgettext("visit status", "Resolved remotely at {time}").format(
            time=moment_text(at))
    return pgettext("visit status", "Withdrawn by the office")  # no reason, or a newer one


def withdrawal_statuses(moment: datetime) -> list[str]:
    """Every reason the status column may show (for its width); ``moment``: a long time.
    (Stand-ins for ``WithdrawnVisit``: the first paint needs no store models.)"""
    return [withdrawal_status(SimpleNamespace(code=code, at=moment))
            for code in ("cancelled", "reassigned", "handed_over", "resolved_remotely")]


def withdrawal_sentence(withdrawal: Any | None) -> str:
    """A sentence for the visit page: what happened and that nobody needs to go."""
    code = getattr(withdrawal, "code", None)
    at = getattr(withdrawal, "at", None)
    if code == "cancelled":
        return _("The office cancelled this visit.")
    if code == "reassigned":
        return _("The office gave this visit to another technician.")
    if code == "handed_over":
        return _("The office accepted your hand-over: a colleague takes this visit over, "
                 "with your notes.")
    if code == "resolved_remotely":
        if at is None:
            return _("The office resolved this remotely: no visit is needed.")
        return _("The office resolved this remotely at {time}: no visit is needed.").format(
            time=moment_text(at))
    return _("The office took this visit off your round (cancelled or given to someone else).")


def handed_over_banner(helper: str, at: datetime | None) -> str:
    """The session's banner once its visit was handed over (``helper``: the colleague's
    name, if the office gave it; ``at``: when it accepted)."""
    if at is None:
        return (_("Handed over to {colleague}; your notes went with it.").format(
            colleague=helper) if helper else
            _("Handed over to a colleague; your notes went with it."))
    if helper:
        return _("Handed over to {colleague} at {time}; your notes went with it.").format(
            colleague=helper, time=moment_text(at))
    return _("Handed over to a colleague at {time}; your notes went with it.").format(
        time=moment_text(at))


def withdrawn_banner(withdrawal: Any, *, completion_not_kept: bool = False) -> str:
    """The session's banner once the office withdrew its visit (cancelled, reassigned,
    resolved remotely): what happened, when, and that the work was kept and sent."""
    code, at = getattr(withdrawal, "code", None), getattr(withdrawal, "at", None)
    if code == "cancelled":
        what = (_("Cancelled by the office at {time}.") if at else
                _("Cancelled by the office."))
    elif code == "reassigned":
        what = (_("Given to another technician by the office at {time}.") if at else
                _("Given to another technician by the office."))
    elif code == "resolved_remotely":
        what = (_("Resolved remotely by the office at {time}.") if at else
                _("Resolved remotely by the office."))
    else:
        what = (_("Withdrawn by the office at {time}.") if at else
                _("Withdrawn by the office."))
    text = what.format(time=moment_text(at)) + " " + (
        _("Your completion did not stand, but your notes and report were kept and sent to "
          "the office.") if completion_not_kept else
        _("Your notes were kept and sent to the office; the session can no longer be "
          "changed."))
    if (getattr(withdrawal, "note", "") or "").strip():
        text += " " + office_note_text(withdrawal)
    return text


def office_note_text(withdrawal: Any | None, office_notes: str = "") -> str:
    """The office's note on the withdrawal (else its last note on the visit), or that
    there is none."""
    note = (getattr(withdrawal, "note", "") or office_notes or "").strip()
    if note and getattr(withdrawal, "code", None) == "resolved_remotely":
        note = tr(fixed_remotely_note(note))  # the fix's record, worded by the office
    return _("Office note: {note}").format(note=note) if note else _("The office gave no note.")
