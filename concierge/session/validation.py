# SPDX-License-Identifier: Apache-2.0
"""Input checks with messages a person can act on, and what still blocks completion."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from concierge.domain import MetricSpec, StepType
from concierge.session.model import ChecklistItem, SessionDoc, StepResult
from concierge.session.text import fmt_value

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


class MeasurementError(ValueError):
    """A measurement that is not a number; ``str(error)`` is the message to show."""


def parse_measurement(text: str, unit: str | None = None) -> float:
    """The number typed in ``text``: ``12.5``, ``12,5``, ``1 234,5``, ``1,234.5`` or with the
    unit typed after it. Raises MeasurementError with a clear message otherwise."""
    raw = text.strip()
    if not raw:
        raise MeasurementError("Enter a value" + (f" in {unit}." if unit else "."))
    s = raw
    if unit and s.lower().endswith(unit.lower()):
        s = s[: -len(unit)]
    s = _SPACES.sub("", s)
    if "," in s and "." in s:
        thousands = "," if s.rfind(".") > s.rfind(",") else "."
        s = s.replace(thousands, "").replace(",", ".")
    elif s.count(",") == 1:
        s = s.replace(",", ".")
    elif s.count(",") > 1:
        s = s.replace(",", "")
    if not _NUMBER.match(s) or not math.isfinite(value := float(s)):
        example = f"12.5 or 12,5{f' ({unit})' if unit else ''}"
        raise MeasurementError(f"“{raw}” is not a number. Enter digits only, e.g. {example}.")
    return value


@dataclass(frozen=True)
class Flag:
    """An accepted value outside its target, with what to do about it."""

    message: str
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
    target = _target(low, high, u)
    if low is not None and value < low:
        side = "below"
    elif high is not None and value > high:
        side = "above"
    else:
        return None
    message = (
        f"{fmt_value(value, u)} is {side} the target {target}. Check the reading; if it is "
        "right, tune further and measure again, or note why it cannot be brought into range."
    )
    severity = "out_of_range"
    level = spec.severity_of(value) if spec is not None else None
    if spec is not None and level is not None:
        threshold = spec.critical if level == "critical" else spec.warning
        message += f" It is past the {level} threshold ({fmt_value(threshold, u)})."
        severity = level.value
    return Flag(message, severity)


def _target(low: float | None, high: float | None, unit: str) -> str:
    if low is not None and high is not None:
        return f"{fmt_value(low)}–{fmt_value(high, unit)}"
    if low is not None:
        return f"of at least {fmt_value(low, unit)}"
    return f"of at most {fmt_value(high, unit)}"


_MISSING = {
    StepType.CHECK: "is not ticked",
    StepType.MEASUREMENT: "has no measurement",
    StepType.CHOICE: "has no choice made",
    StepType.PHOTO: "has no photo or file",
    StepType.NOTE: "has no note",
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


def step_problem(item: ChecklistItem, result: StepResult) -> str | None:
    """Why ``item`` is not closed yet (done with its input, or skipped with a reason)."""
    if result.status == "skipped":
        return None if result.skip_reason.strip() else "was skipped without a reason"
    if result.status == "done":
        return None if has_value(item, result) else f"is marked done but {_MISSING[item.type]}"
    return "is still open: mark it done or skip it with a reason"


def blockers(doc: SessionDoc, asset_names: Mapping[str, str] | None = None) -> list[str]:
    """Exactly what stops the session from completing, one sentence each; empty when ready."""
    names = asset_names or {}
    out = []
    for item in doc.checklist:
        problem = step_problem(item, doc.result(item.id))
        if item.required and problem:
            where = f" ({names.get(item.asset_id, item.asset_id)})" if item.asset_id else ""
            out.append(f"Required step “{item.title}”{where} {problem}.")
    if doc.wishes.customer_present and not doc.signature.strokes:
        out.append("The customer's signature is missing (the customer is present).")
    if doc.sign_off is None:
        out.append("The technician's sign-off is missing.")
    return out
