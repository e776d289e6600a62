# SPDX-License-Identifier: Apache-2.0
"""The office's answers to help from the field (#19.4), told as changes of the
technician's day (the "What changed" list and a notification) after a sync."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from concierge.i18n import _

if TYPE_CHECKING:
    from concierge.session.help import HelpAnswer
    from ui.day_changes import DayChange


def answer_change(a: HelpAnswer) -> DayChange:
    """An office's answer as a change of the technician's day."""
    from ui.day_changes import DayChange  # with the first answer, not with the window

    h = a.request
    if h.kind == "handover" and h.status == "accepted":
        # the office takes the session's changes after a hand-over: nothing waits here
        text = _("{place}: handed over to {helper}. Your last changes went to the office "
                 "with the hand-over ({answer})").format(place=a.place, helper=h.helper,
                                                         answer=h.answer)
    elif h.status == "accepted":
        text = _("{place}: help is coming ({answer})").format(place=a.place, answer=h.answer)
    else:
        text = _("{place}: the office declined your request for help ({answer})").format(
            place=a.place, answer=h.answer)
    return DayChange(a.visit_id, "help", text, urgent=h.kind == "handover")


class HelpAnswers:
    """After each sync, in the background: the answers not told yet, handed to ``tell``
    (the main window's day changes and notification)."""

    def __init__(self, ctx: Any, parent: Any, tell: Callable[[list[DayChange]], None]) -> None:
        self.ctx, self.parent, self.tell = ctx, parent, tell

    def check(self) -> None:
        from concierge.session.help import take_new_answers

        store = getattr(self.ctx, "store", None)
        if store is None:
            return
        (self.ctx.tasks.db(lambda: take_new_answers(store), parent=self.parent)
         .label(_("Reading the office's answers")).success(self._told).run())

    def _told(self, answers: list[HelpAnswer]) -> None:
        if answers:
            self.tell([answer_change(a) for a in answers])
