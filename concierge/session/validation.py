# SPDX-License-Identifier: Apache-2.0
"""Input checks with messages a person can act on, and what still blocks completion.

Messages are ``Msg`` data (text + parameters); the UI renders them in its language.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from concierge.domain import MetricSpec, StepType
from concierge.i18n import SOURCE, Msg, Translator, msg, translator_for, ui
from concierge.session.model import ChecklistItem, SessionDoc, StepResult
from concierge.session.text import fmt_value

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


class MeasurementError(ValueError):
    """A measurement that is not a number; ``msg`` is the message to show."""

    def __init__(self, message: Msg) -> None:
        super().__init__(translator_for(SOURCE).render(message))
        self.msg = message


def parse_measurement(text: str, unit: str | None = None, *, t: Translator | None = None
                      ) -> float:
    """The number typed in ``text``: ``12.5``, ``12,5``, ``1 234,5``, ``1,234.5`` or with the
    unit typed after it; read first as the locale of ``t`` writes numbers (``1.234`` is
    1234 in German), then by the decimal-comma-or-point rule. Raises MeasurementError
    with a clear message otherwise."""
    raw = text.strip()
    if not raw:
        raise MeasurementError(msg("Enter a value in {unit}.", unit=unit) if unit
                               else msg("Enter a value."))
    s = raw
    if unit and s.lower().endswith(unit.lower()):
        s = s[: -len(unit)].strip()
    try:
        value = (t or ui()).parse_number(s)
        if math.isfinite(value):
            return value
    except ValueError:
        pass
    s = _SPACES.sub("", s)
    if "," in s and "." in s:
        thousands = "," if s.rfind(".") > s.rfind(",") else "."
        s = s.replace(thousands, "").replace(",", ".")
    elif s.count(",") == 1:
        s = s.replace(",", ".")
    elif s.count(",") > 1:
        s = s.replace(",", "")
    if not _NUMBER.match(s) or not math.isfinite(value := float(s)):
        raise MeasurementError(
            msg("“{text}” is not a number. Enter digits only, e.g. 12.5 or 12,5 ({unit}).",
                text=raw, unit=unit) if unit else
            msg("“{text}” is not a number. Enter digits only, e.g. 12.5 or 12,5.", text=raw))
    return value


@dataclass(frozen=True)
class Flag:
    """An accepted value outside its target, with what to do about it."""

    message: Msg
    severity: str  # "out_of_range", "warning" or "critical"


def check_range(
    value: float,
    low: float | None,
    high: float | None,
    unit: str | None = None,
    spec: MetricSpec | None = None,
) -> Flag | None:
    """A flag with guidance when ``value`` is outside ``low..high``; None when it is fine."""
    u = unit or ""
    if low is not None and value < low:
        text = ("{value} is below the target {target}. Check the reading; if it is right, "
                "tune further and measure again, or note why it cannot be brought into range.")
    elif high is not None and value > high:
        text = ("{value} is above the target {target}. Check the reading; if it is right, "
                "tune further and measure again, or note why it cannot be brought into range.")
    else:
        return None
    severity = "out_of_range"
    level = spec.severity_of(value) if spec is not None else None
    if spec is not None and level is not None:
        threshold = spec.critical if level == "critical" else spec.warning
        text += (" It is past the critical threshold ({threshold})." if level == "critical"
                 else " It is past the warning threshold ({threshold}).")
        severity = level.value
        return Flag(Msg(text, params={"value": Quantity(value, u),
                                      "target": target_msg(low, high, u),
                                      "threshold": Quantity(threshold, u)}), severity)
    return Flag(Msg(text, params={"value": Quantity(value, u),
                                  "target": target_msg(low, high, u)}), severity)


@dataclass(frozen=True)
class Quantity:
    """A measured value with its unit, formatted by the reader's translator."""

    value: float | None
    unit: str = ""

    def render(self, t: Translator) -> str:
        return fmt_value(self.value, self.unit, t=t)


def target_msg(low: float | None, high: float | None, unit: str) -> Msg:
    if low is not None and high is not None:
        return msg("{low}–{high}", low=Quantity(low), high=Quantity(high, unit))
    if low is not None:
        return msg("of at least {value}", value=Quantity(low, unit))
    return msg("of at most {value}", value=Quantity(high, unit))


_MISSING = {
    StepType.CHECK: msg("Required step “{step}”{where} is marked done but is not ticked."),
    StepType.MEASUREMENT: msg(
        "Required step “{step}”{where} is marked done but has no measurement."),
    StepType.CHOICE: msg("Required step “{step}”{where} is marked done but has no choice made."),
    StepType.PHOTO: msg(
        "Required step “{step}”{where} is marked done but has no photo or file."),
    StepType.NOTE: msg("Required step “{step}”{where} is marked done but has no note."),
}


def has_value(item: ChecklistItem, result: StepResult) -> bool:
    """True when ``result`` carries the input ``item``'s type asks for."""
    v = result.value
    if item.type is StepType.CHECK:
        return v is True
    if item.type is StepType.MEASUREMENT:
        return isinstance(v, float | int) and not isinstance(v, bool)
    if item.type is StepType.CHOICE:
        return isinstance(v, str) and v in item.choices
    if item.type is StepType.PHOTO:
        return bool(result.attachments)
    return isinstance(v, str) and bool(v.strip())


def step_problem(item: ChecklistItem, result: StepResult) -> Msg | None:
    """Why ``item`` is not closed yet (done with its input, or skipped with a reason), as a
    sentence with ``{step}`` and ``{where}`` still to fill."""
    if result.status == "skipped":
        return None if result.skip_reason.strip() else msg(
            "Required step “{step}”{where} was skipped without a reason.")
    if result.status == "done":
        return None if has_value(item, result) else _MISSING[item.type]
    return msg("Required step “{step}”{where} is still open: mark it done or skip it with a "
               "reason.")


def blockers(doc: SessionDoc, asset_names: Mapping[str, str] | None = None) -> list[Msg]:
    """Exactly what stops the session from completing, one sentence each; empty when ready."""
    names = asset_names or {}
    out = []
    for item in doc.checklist:
        problem = step_problem(item, doc.result(item.id))
        if item.required and problem:
            where = f" ({names.get(item.asset_id, item.asset_id)})" if item.asset_id else ""
            out.append(problem.with_params(step=step_title(item), where=where))
    if doc.wishes.customer_present and not doc.signature.strokes:
        out.append(msg("The customer's signature is missing (the customer is present)."))
    if doc.sign_off is None:
        out.append(msg("The technician's sign-off is missing."))
    return out


def step_title(item: ChecklistItem) -> Msg | str:
    """A step's title: our own steps from the catalogue, the office's templates as sent."""
    from concierge.session.checklist import step_title_msg

    title: Msg | str = step_title_msg(item)
    return title
