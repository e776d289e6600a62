# SPDX-License-Identifier: Apache-2.0
"""The six steps of a session, navigation between them and the progress shown for each."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from concierge.i18n import Msg, msg, nmsg, pmsg
from concierge.session.model import SessionDoc


class Step(StrEnum):
    WELCOME = "welcome"
    BASELINE = "baseline"
    OPTIMISE = "optimise"
    VERIFY = "verify"
    DELIGHT = "delight"
    REPORT = "report"


STEPS: tuple[Step, ...] = tuple(Step)
STEP_TITLES: dict[Step, Msg] = {
    Step.WELCOME: msg("Welcome"),
    Step.BASELINE: msg("Where things stand"),
    Step.OPTIMISE: msg("Optimise"),
    Step.VERIFY: msg("Verify"),
    Step.DELIGHT: msg("Delight"),
    Step.REPORT: msg("Report"),
}

StepState = Literal["todo", "done", "attention"]


def next_step(step: Step) -> Step | None:
    i = STEPS.index(step)
    return STEPS[i + 1] if i + 1 < len(STEPS) else None


def previous_step(step: Step) -> Step | None:
    i = STEPS.index(step)
    return STEPS[i - 1] if i > 0 else None


def parse_step(value: str) -> Step:
    """The step named ``value``; the first step for anything unknown (e.g. an older record)."""
    try:
        return Step(value)
    except ValueError:
        return Step.WELCOME


@dataclass(frozen=True)
class StepProgress:
    step: Step
    title: Msg
    state: StepState
    detail: Msg
    current: bool


def progress(doc: SessionDoc, current: Step, completed: bool = False) -> list[StepProgress]:
    """One entry per step, in order: what is done, what needs attention, where we are."""
    return [_one(doc, step, step is current, completed) for step in STEPS]


def _one(doc: SessionDoc, step: Step, current: bool, completed: bool) -> StepProgress:
    state: StepState
    visited = step.value in doc.visited
    if step is Step.WELCOME:
        done = bool(doc.wishes.typed or doc.wishes.tags)
        detail = (nmsg("{count} wish", "{count} wishes", len(doc.wishes.items))
                  if done else msg("Ask the customer"))
        state = "done" if done else "todo"
    elif step is Step.BASELINE:
        known = sum(1 for k in doc.baseline if k.value is not None)
        detail = msg("{kpis}, {spots}", kpis=nmsg("{count} KPI", "{count} KPIs", known),
                     spots=nmsg("{count} spot measurement", "{count} spot measurements",
                                len(doc.spot)))
        state = "done" if visited else "todo"
    elif step is Step.OPTIMISE:
        required = [i for i in doc.checklist if i.required]
        closed = sum(1 for i in doc.checklist if doc.result(i.id).status != "open")
        open_required = sum(1 for i in required if doc.result(i.id).status == "open")
        detail = nmsg("{closed} of {count} step", "{closed} of {count} steps",
                      len(doc.checklist), closed=closed)
        state = "done" if doc.checklist and not open_required else (
            "attention" if visited else "todo"
        )
    elif step is Step.VERIFY:
        measured = {(m.asset_id, m.kpi) for m in doc.after}
        detail = nmsg("{measured} of {count} KPI re-measured",
                      "{measured} of {count} KPIs re-measured",
                      len(doc.baseline), measured=len(measured))
        state = "done" if measured else ("attention" if visited else "todo")
    elif step is Step.DELIGHT:
        signed = bool(doc.signature.strokes) or not doc.wishes.customer_present
        done = signed and doc.sign_off is not None
        detail = msg("Signed off") if done else msg("Signature and sign-off")
        state = "done" if done else ("attention" if visited else "todo")
    else:
        state = "done" if completed else "todo"
        detail = pmsg("session", "Completed") if completed else msg("Finish and hand over")
    return StepProgress(step, STEP_TITLES[step], state, detail, current)
