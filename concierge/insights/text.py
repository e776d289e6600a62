# SPDX-License-Identifier: Apache-2.0
"""Human, checkable wording: rounded numbers with units, durations and UTC dates."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from concierge.i18n import Msg, Translator, msg, nmsg

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt_number(x: float) -> str:
    """About three significant digits; thousands separators from 1,000 on (4 digits kept)."""
    if not math.isfinite(x):
        return "n/a"
    ax = abs(x)
    if ax >= 1000.0:
        digits = math.floor(math.log10(ax)) + 1
        return f"{round(x, 4 - digits):,.0f}"
    if ax >= 100.0:
        decimals = 0
    elif ax >= 10.0:
        decimals = 1
    elif ax >= 1.0:
        decimals = 2
    elif ax > 0.0:
        decimals = 1 - math.floor(math.log10(ax))  # two significant digits
    else:
        decimals = 0
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def with_unit(x: float, unit: str) -> str:
    number = fmt_number(x)
    if not unit:
        return number
    return f"{number}%" if unit == "%" else f"{number} {unit}"


def per_day(x: float, unit: str) -> str:
    """A rate such as '0.4 °C/day' or '12 trips/h per day'."""
    if not unit or "/" in unit:
        return f"{with_unit(x, unit)} per day"
    return f"{with_unit(x, unit)}/day"


def fmt_confidence(c: float) -> str:
    text = f"{c:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def whole_days(days: float) -> int:
    return math.floor(days + 0.5)


def in_days(days: float) -> str:
    """'within a day' or 'in about N days'."""
    if days < 1.0:
        return "within a day"
    n = whole_days(days)
    return f"in about {n} day" if n == 1 else f"in about {n} days"


def in_days_short(days: float) -> str:
    """'within a day' or 'in ~N days' (board headlines)."""
    if days < 1.0:
        return "within a day"
    n = whole_days(days)
    return f"in ~{n} day" if n == 1 else f"in ~{n} days"


def fmt_date(ts: float, now: float | None = None) -> str:
    """UTC day such as '14 Nov'; the year is added when it differs from ``now``'s."""
    d = datetime.fromtimestamp(ts, tz=UTC)
    text = f"{d.day} {_MONTHS[d.month - 1]}"
    if now is not None and datetime.fromtimestamp(now, tz=UTC).year != d.year:
        text += f" {d.year}"
    return text


def fmt_span(days: float) -> str:
    """'the last 2 days', 'the last 18 hours'."""
    if days >= 1.0:
        n = whole_days(days)
        return "the last day" if n == 1 else f"the last {n} days"
    hours = max(1, math.floor(days * 24.0 + 0.5))
    return "the last hour" if hours == 1 else f"the last {hours} hours"


# --- headlines for readers of any language --------------------------------------------
# The detectors word their headlines in English (the office stores and sends that text);
# ``headline_msg`` reads one back into a message with typed parameters, so the board,
# the visit, the session and the customer's report show it in the reader's language.
# A headline it does not recognise stays as it is.

_NUM = r"-?[\d,]*\.?\d+"
_MONTH_NUMBERS = {name: i + 1 for i, name in enumerate(_MONTHS)}


@dataclass(frozen=True)
class _Amount:
    """A number with its unit as the detectors wrote it ("6 s", "12%")."""

    value: float
    unit: str

    def render(self, t: Translator) -> str:
        from concierge.session.text import fmt_value

        if self.unit == "%":
            return t.percent(self.value / 100.0)
        return fmt_value(self.value, self.unit, t=t) if self.unit else t.number(self.value)


@dataclass(frozen=True)
class _Day:
    """A day as the detectors wrote it ("29 Nov", "3 Jan 2027")."""

    day: int
    month: int
    year: int | None

    def render(self, t: Translator) -> str:
        year = self.year or datetime.now(UTC).year
        moment = datetime(year, self.month, self.day, 12, tzinfo=UTC)
        return t.format_skeleton(moment, "dMMM" if self.year is None else "dMMMy")


def _amount(text: str) -> _Amount:
    match = re.fullmatch(rf"({_NUM})\s*(.*)", text.strip())
    if match is None:
        raise ValueError(text)
    return _Amount(float(match.group(1).replace(",", "")), match.group(2).strip())


def _known_label(label: str) -> Msg | None:
    from concierge.domain import METRIC_CATALOGUE
    from concierge.session.kpi import KPI_DEFS

    labels = {s.label for specs in METRIC_CATALOGUE.values() for s in specs}
    labels |= {d.label for defs in KPI_DEFS.values() for d in defs}  # the visit's KPIs
    return Msg(label) if label in labels else None


def _when(text: str) -> Msg | None:
    if text == "within a day":
        return msg("within a day")
    match = re.fullmatch(r"in ~(\d+) days?", text)
    return nmsg("in ~{count} day", "in ~{count} days", int(match.group(1))) if match else None


def headline_msg(headline: str) -> Msg | str:
    """An insight headline (or a visit summary made from one) as a message; the text
    itself when it is not one the detectors write."""
    if headline.startswith("Findings resolved: "):
        rest = headline.removeprefix("Findings resolved: ")
        return msg("Findings resolved: {summary}", summary=headline_msg(rest))
    try:
        return _headline(headline) or headline
    except ValueError:
        return headline


def _headline(text: str) -> Msg | None:
    if m := re.fullmatch(r"(.+?) regressed after the visit", text):
        label = _known_label(m.group(1))
        return msg("{metric} regressed after the visit", metric=label) if label else None
    if m := re.fullmatch(r"(.+?): unusual behaviour", text):
        label = _known_label(m.group(1))
        return msg("{metric}: unusual behaviour", metric=label) if label else None
    if m := re.fullmatch(r"(.+?): service limit reached", text):
        label = _known_label(m.group(1))
        return msg("{metric}: service limit reached", metric=label) if label else None
    if m := re.fullmatch(r"(.+?): service limit (within a day|in ~\d+ days?)", text):
        label, when = _known_label(m.group(1)), _when(m.group(2))
        return msg("{metric}: service limit {when}", metric=label, when=when) \
            if label and when else None
    if m := re.fullmatch(r"(.+?): (\d+)% of service limit", text):
        label = _known_label(m.group(1))
        return msg("{metric}: {share} of service limit", metric=label,
                   share=_Amount(float(m.group(2)), "%")) if label else None
    if m := re.fullmatch(r"(.+?) crosses (.+?) (within a day|in ~\d+ days?)", text):
        label, when = _known_label(m.group(1)), _when(m.group(3))
        return msg("{metric} crosses {value} {when}", metric=label, value=_amount(m.group(2)),
                   when=when) if label and when else None
    if m := re.fullmatch(r"(.+?) (up|down) (.+?) since (\d{1,2}) ([A-Z][a-z]{2})( \d{4})?", text):
        label, month = _known_label(m.group(1)), _MONTH_NUMBERS.get(m.group(5))
        if not label or not month:
            return None
        day = _Day(int(m.group(4)), month, int(m.group(6)) if m.group(6) else None)
        text_up = "{metric} up {amount} since {day}"
        text_down = "{metric} down {amount} since {day}"
        return Msg(text_up if m.group(2) == "up" else text_down,
                   params={"metric": label, "amount": _amount(m.group(3)), "day": day})
    if m := re.fullmatch(r"(.+?) spikes: (\d+) in (.+)", text):
        label, span = _known_label(m.group(1)), _span(m.group(3))
        return nmsg("{metric} spikes: {count} in {span}", "{metric} spikes: {count} in {span}",
                    int(m.group(2)), metric=label, span=span) if label and span else None
    if m := re.fullmatch(rf"(.+?) noise ({_NUM})× baseline", text):
        label = _known_label(m.group(1))
        return msg("{metric} noise {ratio}× baseline", metric=label,
                   ratio=_Amount(float(m.group(2)), "")) if label else None
    if m := re.fullmatch(r"(.+?) (above|below) (warning|critical) \((.+)\)", text):
        label = _known_label(m.group(1))
        if not label:
            return None
        texts = {("above", "warning"): "{metric} above warning ({value})",
                 ("above", "critical"): "{metric} above critical ({value})",
                 ("below", "warning"): "{metric} below warning ({value})",
                 ("below", "critical"): "{metric} below critical ({value})"}
        return Msg(texts[(m.group(2), m.group(3))],
                   params={"metric": label, "value": _amount(m.group(4))})
    return None


def _span(text: str) -> Msg | None:
    if text == "the last day":
        return msg("the last day")
    if text == "the last hour":
        return msg("the last hour")
    if m := re.fullmatch(r"the last (\d+) (days|hours)", text):
        n = int(m.group(1))
        return (nmsg("the last {count} day", "the last {count} days", n) if m.group(2) == "days"
                else nmsg("the last {count} hour", "the last {count} hours", n))
    return None


# Extraction marks for the wordings built from a variable above.
_WORDINGS = (
    msg("{metric} up {amount} since {day}"), msg("{metric} down {amount} since {day}"),
    msg("{metric} above warning ({value})"), msg("{metric} above critical ({value})"),
    msg("{metric} below warning ({value})"), msg("{metric} below critical ({value})"),
)


def explanation_msg(insight: Any) -> Msg | None:
    """An insight's explanation from its data, for readers of any language; None when
    only the detector's English wording (``insight.explanation``) says it."""
    from concierge.domain import metric_spec

    evidence = getattr(insight, "evidence", {}) or {}
    if (regressed := _regressed_explanation(insight, evidence)) is not None:
        return regressed
    try:
        spec = metric_spec(_kind_of_metric(insight.metric), insight.metric)
    except (KeyError, ValueError):
        return None

    def number(name: str) -> float | None:
        value = evidence.get(name)
        return float(value) if isinstance(value, int | float) else None

    kind = str(getattr(insight, "kind", ""))
    if kind == "anomaly":
        return _unusual_msg(Msg(spec.label), evidence)
    params: dict[str, Any] = {
        "metric": Msg(spec.label),
        "confidence": _Amount(round(100 * float(insight.confidence)), "%"),
    }
    slope, level, threshold = number("slope_per_day"), number("recent_mean"), number("threshold")
    if kind == "trend" and slope is not None:
        params["rate"] = _Amount(abs(slope), spec.unit)
        text = ("{metric} rising by {rate} per day (confidence {confidence})." if slope > 0 else
                "{metric} falling by {rate} per day (confidence {confidence}).")
    elif kind == "trend" and level is not None and threshold is not None:
        params |= {"level": _Amount(level, spec.unit), "threshold": _Amount(threshold, spec.unit)}
        text = "{metric} at {level}, beyond the threshold of {threshold} (confidence {confidence})."
    elif kind == "deviation" and level is not None and number("baseline_mean") is not None:
        params |= {"level": _Amount(level, spec.unit),
                   "usual": _Amount(number("baseline_mean") or 0.0, spec.unit)}
        text = "{metric} now {level}, usually {usual} (confidence {confidence})."
    elif kind == "counter" and number("counter_value") is not None \
            and number("service_limit") is not None:
        params |= {"value": _Amount(number("counter_value") or 0.0, spec.unit),
                   "limit": _Amount(number("service_limit") or 0.0, spec.unit)}
        text = "{metric} at {value} of the {limit} service limit (confidence {confidence})."
    else:
        return None
    return Msg(text, params=params)


def _regressed_explanation(insight: Any, evidence: Mapping[str, Any]) -> Msg | None:
    """The office's did-it-hold check found a KPI the visit improved regressed since."""
    coded: Any = getattr(insight, "headline_code", None)
    data = coded.model_dump() if hasattr(coded, "model_dump") else coded
    days = evidence.get("days_after_visit")
    if not isinstance(data, Mapping) or data.get("code") != REGRESSED_CODE \
            or not isinstance(days, int | float) or isinstance(days, bool):
        return None
    metric = coded_msg(data)
    if metric is None:
        return None
    return nmsg("{kpi} improved at the visit but has regressed {count} day later.",
                "{kpi} improved at the visit but has regressed {count} days later.",
                int(days), kpi=metric.params["metric"])


@dataclass(frozen=True)
class _Moment:
    """A time of day with its weekday and date, in the reader's time zone."""

    ts: float

    def render(self, t: Translator) -> str:
        moment = datetime.fromtimestamp(self.ts, UTC)
        same_year = moment.year == datetime.now(UTC).year
        day = t.format_skeleton(moment, "MMMEd" if same_year else "yMMMEd")
        return f"{day} {t.format_time(moment)}"


_UNUSUAL = {
    "variance": msg("{metric} variance is {ratio}× its usual level since {since} ({confidence})."),
    "level": msg("{metric} is {ratio} times its usual spread from its usual level since {since} "
                 "({confidence})."),
    "shift": msg("{metric} moved by {ratio} times its usual spread since {since} ({confidence})."),
    "range": msg("{metric} went beyond its usual range by {ratio} times its usual spread since "
                 "{since} ({confidence})."),
    "shape": msg("{metric} changed its usual pattern since {since} ({confidence})."),
}
_CONFIDENCE_WORDS = {"low": msg("low confidence"), "medium": msg("medium confidence"),
                     "high": msg("high confidence")}


def _unusual_msg(metric: Msg, evidence: dict[str, Any]) -> Msg | None:
    """What the streaming detector saw change (an "unusual behaviour" insight's evidence:
    channel, ratio, onset and confidence level), in words."""
    text = _UNUSUAL.get(str(evidence.get("channel")))
    word = _CONFIDENCE_WORDS.get(str(evidence.get("confidence_level")))
    ratio, onset = evidence.get("ratio"), evidence.get("onset")
    if text is None or word is None or not isinstance(ratio, int | float) \
            or not isinstance(onset, int | float):
        return None
    return text.with_params(metric=metric, ratio=_Amount(float(ratio), ""),
                            since=_Moment(float(onset)), confidence=word)


def _kind_of_metric(metric: str) -> str:
    from concierge.domain import METRIC_CATALOGUE

    for kind, specs in METRIC_CATALOGUE.items():
        if any(s.key == metric for s in specs):
            return str(kind)
    raise KeyError(metric)


_EXPLANATIONS = (
    msg("{metric} rising by {rate} per day (confidence {confidence})."),
    msg("{metric} falling by {rate} per day (confidence {confidence})."),
    msg("{metric} at {level}, beyond the threshold of {threshold} (confidence {confidence})."),
    msg("{metric} now {level}, usually {usual} (confidence {confidence})."),
    msg("{metric} at {value} of the {limit} service limit (confidence {confidence})."),
)


# --- headlines as codes with typed parameters -------------------------------------------
# The detectors make each headline here: English text (what an older client shows) plus
# a stable code and parameters (plain JSON: the metric's key, numbers, epoch seconds),
# which the office stores and sends and every edge renders in its reader's language.
# ``headline_msg`` above stays as the reading of records from before the codes.


@dataclass(frozen=True)
class Headline:
    """A headline as English text and as a code with parameters."""

    text: str
    code: str
    params: dict[str, Any]

    def coded(self) -> dict[str, Any]:
        """The code and parameters as sent (``schemas.CodedText``)."""
        return {"code": self.code, "params": dict(self.params)}


def limit_reached_headline(spec: Any) -> Headline:
    return Headline(f"{spec.label}: service limit reached", "counter.limit_reached",
                    {"metric": spec.key})


def limit_soon_headline(spec: Any, days: float) -> Headline:
    return Headline(f"{spec.label}: service limit {in_days_short(days)}", "counter.limit_soon",
                    {"metric": spec.key, "days": round(days, 2)})


def limit_share_headline(spec: Any, used: float, limit: float) -> Headline:
    share = round(100 * used / limit)
    return Headline(f"{spec.label}: {share}% of service limit", "counter.limit_share",
                    {"metric": spec.key, "percent": share})


def crosses_headline(spec: Any, threshold: float, days: float) -> Headline:
    return Headline(f"{spec.label} crosses {with_unit(threshold, spec.unit)} {in_days_short(days)}",
                    "trend.crosses", {"metric": spec.key, "value": threshold,
                                      "days": round(days, 2)})


def beyond_headline(spec: Any, side: str, level: str, threshold: float) -> Headline:
    """``side`` "above"/"below", ``level`` "warning"/"critical"."""
    return Headline(f"{spec.label} {side} {level} ({with_unit(threshold, spec.unit)})",
                    "trend.beyond", {"metric": spec.key, "side": side, "level": level,
                                     "value": threshold})


def shift_headline(spec: Any, up: bool, amount: float, since: float, now: float) -> Headline:
    """A level shift up or down by ``amount`` since the epoch second ``since``."""
    direction = "up" if up else "down"
    return Headline(
        f"{spec.label} {direction} {with_unit(amount, spec.unit)} since {fmt_date(since, now)}",
        "deviation.shift", {"metric": spec.key, "direction": direction, "amount": amount,
                            "since": since, "year": datetime.fromtimestamp(since, UTC).year
                            != datetime.fromtimestamp(now, UTC).year})


def spikes_headline(spec: Any, events: int, days: float) -> Headline:
    return Headline(f"{spec.label} spikes: {events} in {fmt_span(days)}", "deviation.spikes",
                    {"metric": spec.key, "count": events, "days": round(days, 3)})


def noise_headline(spec: Any, ratio: float) -> Headline:
    return Headline(f"{spec.label} noise {ratio:.1f}× baseline", "deviation.noise",
                    {"metric": spec.key, "ratio": round(ratio, 1)})


def unusual_headline(metric: str, label: str) -> Headline:
    return Headline(f"{label}: unusual behaviour", "anomaly.unusual", {"metric": metric})


def regressed_headline(kpi: Any) -> Headline:
    """A KPI the visit improved that regressed in the weeks after it (the office's
    did-it-hold check); ``kpi`` a ``concierge.session.kpi.KpiDef``."""
    return Headline(f"{kpi.label} regressed after the visit", REGRESSED_CODE,
                    {"kind": str(kpi.kind.value), "kpi": kpi.key})


RESOLVED_CODE = "visit.findings_resolved"
REGRESSED_CODE = "visit.regressed"


def resolved_summary(summary: str, coded: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]
                                                                              | None]:
    """A visit's summary once its findings resolved: English text and, when the
    previous summary had one, code and parameters."""
    text = f"Findings resolved: {summary}"[:400]
    return text, (None if coded is None else {"code": RESOLVED_CODE,
                                              "params": {"summary": dict(coded)}})


@dataclass(frozen=True)
class _Date:
    """An epoch second as a day ("29 Nov"; with the year when ``year``)."""

    ts: float
    year: bool

    def render(self, t: Translator) -> str:
        day = datetime.fromtimestamp(self.ts, UTC)  # the detectors' day is the UTC day
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        return t.format_skeleton(noon, "dMMMy" if self.year else "dMMM")


def _metric(params: Mapping[str, Any]) -> tuple[Msg, str]:
    """The metric's label (as a message) and unit, from its catalogue key."""
    from concierge.domain import METRIC_CATALOGUE

    key = params["metric"]
    for specs in METRIC_CATALOGUE.values():
        for spec in specs:
            if spec.key == key:
                return Msg(spec.label), spec.unit
    raise KeyError(key)


def _num(params: Mapping[str, Any], name: str) -> float:
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(name)
    return float(value)


def _days(days: float) -> Msg:
    if days < 1.0:
        return msg("within a day")
    n = whole_days(days)
    return nmsg("in ~{count} day", "in ~{count} days", n)


def _choice(params: Mapping[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = params[name]
    if value not in choices:
        raise ValueError(name)
    return str(value)


def _limit_reached(p: Mapping[str, Any]) -> Msg:
    return msg("{metric}: service limit reached", metric=_metric(p)[0])


def _limit_soon(p: Mapping[str, Any]) -> Msg:
    return msg("{metric}: service limit {when}", metric=_metric(p)[0], when=_days(_num(p, "days")))


def _limit_share(p: Mapping[str, Any]) -> Msg:
    return msg("{metric}: {share} of service limit", metric=_metric(p)[0],
               share=_Amount(_num(p, "percent"), "%"))


def _crosses(p: Mapping[str, Any]) -> Msg:
    label, unit = _metric(p)
    return msg("{metric} crosses {value} {when}", metric=label,
               value=_Amount(_num(p, "value"), unit), when=_days(_num(p, "days")))


def _beyond(p: Mapping[str, Any]) -> Msg:
    label, unit = _metric(p)
    side = _choice(p, "side", ("above", "below"))
    level = _choice(p, "level", ("warning", "critical"))
    texts = {("above", "warning"): "{metric} above warning ({value})",
             ("above", "critical"): "{metric} above critical ({value})",
             ("below", "warning"): "{metric} below warning ({value})",
             ("below", "critical"): "{metric} below critical ({value})"}
    return Msg(texts[(side, level)], params={"metric": label,
                                              "value": _Amount(_num(p, "value"), unit)})


def _shift(p: Mapping[str, Any]) -> Msg:
    label, unit = _metric(p)
    up = _choice(p, "direction", ("up", "down")) == "up"
    text = "{metric} up {amount} since {day}" if up else "{metric} down {amount} since {day}"
    return Msg(text, params={"metric": label, "amount": _Amount(_num(p, "amount"), unit),
                             "day": _Date(_num(p, "since"), bool(p.get("year", False)))})


def _spikes(p: Mapping[str, Any]) -> Msg:
    days = _num(p, "days")
    count = int(_num(p, "count"))
    if days >= 1.0:
        n = whole_days(days)
        span = msg("the last day") if n == 1 else nmsg(
            "the last {count} day", "the last {count} days", n)
    else:
        hours = max(1, math.floor(days * 24.0 + 0.5))
        span = msg("the last hour") if hours == 1 else nmsg(
            "the last {count} hour", "the last {count} hours", hours)
    return nmsg("{metric} spikes: {count} in {span}", "{metric} spikes: {count} in {span}",
                count, metric=_metric(p)[0], span=span)


def _noise(p: Mapping[str, Any]) -> Msg:
    return msg("{metric} noise {ratio}× baseline", metric=_metric(p)[0],
               ratio=_Amount(_num(p, "ratio"), ""))


def _unusual(p: Mapping[str, Any]) -> Msg:
    return msg("{metric}: unusual behaviour", metric=_metric(p)[0])


def _regressed(p: Mapping[str, Any]) -> Msg:
    from concierge.session.kpi import kpi_def

    label = kpi_def(str(p["kind"]), str(p["kpi"])).label  # KeyError/ValueError: unknown
    return msg("{metric} regressed after the visit", metric=Msg(label))


def _resolved(p: Mapping[str, Any]) -> Msg:
    inner = coded_msg(p["summary"])
    if inner is None:
        raise ValueError("summary")
    return msg("Findings resolved: {summary}", summary=inner)


_CODES: dict[str, Callable[[Mapping[str, Any]], Msg]] = {
    "counter.limit_reached": _limit_reached,
    "counter.limit_soon": _limit_soon,
    "counter.limit_share": _limit_share,
    "trend.crosses": _crosses,
    "trend.beyond": _beyond,
    "deviation.shift": _shift,
    "deviation.spikes": _spikes,
    "deviation.noise": _noise,
    "anomaly.unusual": _unusual,
    RESOLVED_CODE: _resolved,
    REGRESSED_CODE: _regressed,
}
HEADLINE_CODES = frozenset(_CODES)


def coded_msg(coded: Any) -> Msg | None:
    """A headline's or summary's code and parameters (a ``schemas.CodedText`` or its JSON)
    as a message; None for a code this version does not know, or parameters that do not
    fit it (a newer office's)."""
    if coded is None:
        return None
    data = coded.model_dump() if hasattr(coded, "model_dump") else coded
    if not isinstance(data, Mapping):
        return None
    make = _CODES.get(str(data.get("code")))
    params = data.get("params") or {}
    if make is None or not isinstance(params, Mapping):
        return None
    try:
        return make(params)
    except (KeyError, TypeError, ValueError):
        return None


def headline_text(text: str, coded: Any = None) -> Msg | str:
    """What to show for a headline or visit summary: its code rendered when this version
    knows it; the English text as sent when it does not (a newer office's code); a
    record from before the codes read back from its English (``headline_msg``)."""
    if coded is not None:
        return coded_msg(coded) or text
    return headline_msg(text)
