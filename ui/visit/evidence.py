# SPDX-License-Identifier: Apache-2.0
"""What the evidence chart marks: the office's remote attempts and the window of an
"unusual behaviour" insight, in words of the UI language."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from concierge.i18n import _, pgettext
from concierge.session.text import fmt_value, label_name
from ui.charts import ChartEvent, ChartSpan
from ui.format import as_datetime, clock, day_text, local
from ui.visit.data import spec_for

# result -> palette tone and marker symbol (a star: fixed, a cross: no effect)
RESULT_TONES = {"fixed": "ok", "not_fixed": "error", "pending": "accent",
                "awaiting_approval": "warn", "declined": "muted", "approval_timed_out": "muted"}
RESULT_SYMBOLS = {"fixed": "star", "not_fixed": "x", "pending": "d", "awaiting_approval": "d",
                  "declined": "s", "approval_timed_out": "s"}


def action_name(attempt: Any) -> str:
    """What the office tried, in words (the command's id if it is a new one)."""
    names = {
        "door_operator.recalibrate": _("Door operator recalibration"),
        "docsis.rerange": _("Modem re-ranging"),
        "docsis.channel_change": _("Channel change"),
        "heating_curve.adjust": _("Heating curve adjustment"),
        "defrost.schedule": _("Defrost schedule change"),
    }
    by_playbook = {
        "elevator-door-recalibrate": "door_operator.recalibrate",
        "gateway-rerange": "docsis.rerange",
        "gateway-channel-change": "docsis.channel_change",
        "gateway-codewords-channel-change": "docsis.channel_change",
        "heat-pump-heating-curve": "heating_curve.adjust",
        "heat-pump-defrost-schedule": "defrost.schedule",
    }
    command = attempt.command or by_playbook.get(attempt.action, "")
    return names.get(command, str(attempt.command or attempt.action))


def result_name(result: str) -> str:
    names = {
        "fixed": pgettext("remote attempt", "effect verified"),
        "not_fixed": pgettext("remote attempt", "no effect"),
        "pending": pgettext("remote attempt", "verifying"),
        "awaiting_approval": pgettext("remote attempt", "waiting for approval"),
        "declined": pgettext("remote attempt", "declined by the office"),
        "approval_timed_out": pgettext("remote attempt", "approval timed out"),
    }
    return names.get(result, result)


def legend_name(result: str) -> str:
    names = {
        "fixed": _("Remote fix: worked"),
        "not_fixed": _("Remote fix: no effect"),
        "pending": _("Remote fix: verifying"),
        "awaiting_approval": _("Remote fix: awaiting approval"),
        "declined": _("Remote fix: not sent"),
        "approval_timed_out": _("Remote fix: not sent"),
    }
    return names.get(result, _("Remote fix"))


def _moment(value: Any) -> str:
    moment = local(value)
    return f"{day_text(moment)} {clock(moment)}" if moment is not None else "—"


def tried_at(attempt: Any) -> float:
    """When the attempt happened: sent to the device, else decided."""
    moment = as_datetime(attempt.sent_at) or as_datetime(attempt.decided_at)
    assert moment is not None
    return moment.timestamp()


def attempt_text(attempt: Any, unit: str | None = None) -> str:
    """Tried what, when, acknowledged or not, and what the telemetry showed."""
    lines = [_("Remote: {action}").format(action=action_name(attempt))]
    if attempt.sent_at is not None:
        lines.append(_("Sent {when}").format(when=_moment(attempt.sent_at)))
    else:
        lines.append(_("Decided {when}, not sent to the device").format(
            when=_moment(attempt.decided_at)))
    if attempt.acked_at is not None:
        lines.append(_("Acknowledged by the device {when}").format(
            when=_moment(attempt.acked_at)))
    elif attempt.sent_at is not None:
        lines.append(_("Not acknowledged by the device"))
    result = result_name(attempt.result)
    before, after = _reading(attempt.baseline, unit), _reading(attempt.observed, unit)
    if attempt.result in ("fixed", "not_fixed") and attempt.baseline is not None:
        lines.append(_("Result: {result} ({before} before, {after} after)").format(
            result=result, before=before, after=after))
    else:
        lines.append(_("Result: {result}").format(result=result))
    return "\n".join(lines)


def _reading(value: float | None, unit: str | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return fmt_value(value, unit or "")


def attempt_events(attempts: list[Any], unit: str | None = None) -> list[ChartEvent]:
    return [ChartEvent(t=tried_at(a), legend=legend_name(a.result), tooltip=attempt_text(a, unit),
                       tone=RESULT_TONES.get(a.result, "muted"),
                       symbol=RESULT_SYMBOLS.get(a.result, "d"))
            for a in attempts]


def anomaly_spans(insights: list[Any], asset_id: str, metric: str) -> list[ChartSpan]:
    """The window (onset..at) each "unusual behaviour" insight of this metric was seen in."""
    spans = []
    for insight in insights:
        if (str(insight.kind) != "anomaly" or insight.asset_id != asset_id
                or insight.metric != metric):
            continue
        onset, at = _epoch(insight.evidence.get("onset")), _epoch(insight.evidence.get("at"))
        if onset is None or at is None or at < onset:
            continue
        start, end = (datetime.fromtimestamp(t).astimezone() for t in (onset, at))
        spans.append(ChartSpan(
            start=onset, end=at,
            label=_("Unusual since {when}").format(when=f"{day_text(start)} {clock(start)}"),
            tooltip=_("Unusual behaviour: the engine saw {metric} change from {start} to {end}.")
            .format(metric=_metric_label(insight), start=f"{day_text(start)} {clock(start)}",
                    end=f"{day_text(end)} {clock(end)}")))
    return spans


def _metric_label(insight: Any) -> str:
    for kind in ("elevator", "cable_gateway", "heat_pump"):
        spec = spec_for(kind, insight.metric)
        if spec is not None:
            return label_name(spec.label)
    return str(insight.metric)


def _epoch(value: Any) -> float | None:
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None
