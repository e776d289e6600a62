# SPDX-License-Identifier: Apache-2.0
"""Numbers and durations as people read them (shared by the UI and the report).

Every function takes the reader's ``Translator`` (``t``); the UI passes none and gets
its own language (``concierge.i18n.ui()``), the report always passes the customer's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from concierge.i18n import Msg, Translator, msg, nmsg, pmsg, ui


def fmt_value(value: float | None, unit: str = "", *, t: Translator | None = None) -> str:
    """``12,5 s``; up to three significant digits, no trailing zeros; ``—`` for None."""
    if value is None:
        return "—"
    t = t or ui()
    size = abs(value)
    if size >= 100:
        decimals = 0 if size >= 1000 else 1
    elif size >= 1:
        decimals = 2 - len(str(int(size))) + 1
    else:
        decimals = 3
    text = t.number(round(value, decimals))
    return f"{text} {unit_name(unit, t=t)}".strip()


# Units as the catalogue knows them (symbols such as "°C" or "ms" stay as they are).
UNITS = (pmsg("unit", "trips/day"), pmsg("unit", "trips/h"), pmsg("unit", "cycles/day"),
         pmsg("unit", "cycles"), pmsg("unit", "h"), pmsg("unit", "cw/h"))
_UNIT_TEXTS = frozenset(u.text for u in UNITS)


def unit_name(unit: str, *, t: Translator | None = None) -> str:
    return (t or ui()).pgettext("unit", unit) if unit in _UNIT_TEXTS else unit


def label_name(label: str, *, t: Translator | None = None) -> str:
    """A KPI's or metric's label (marked ``N_`` where it is defined) in the reader's language."""
    return (t or ui()).gettext(label)


def fmt_pct(pct: float | None, *, t: Translator | None = None) -> str:
    """A signed change in percent: ``+12,5 %``; ``—`` for None."""
    if pct is None:
        return "—"
    return (t or ui()).percent(pct / 100.0, 1, signed=True)


VERDICT_WORDS: dict[str, Msg] = {
    "improved": pmsg("kpi change", "improved"),
    "worse": pmsg("kpi change", "worse"),
    "unchanged": pmsg("kpi change", "unchanged"),
}


def fmt_change(change: float | None, verdict: str, *, t: Translator | None = None) -> str:
    """``−2,1 % · improved``: the honest signed change and, for a quality KPI, whether that
    is good; a usage KPI (``no verdict``) shows the change alone."""
    t = t or ui()
    word = VERDICT_WORDS.get(verdict)
    if change is None:
        return t.render(word) if word else "—"
    number = fmt_pct(change, t=t)
    return t.render(msg("{change} · {verdict}", change=number, verdict=word)) if word else number


def days_msg(days: float | None, horizon: float) -> Msg:
    """Time to impact: ``now``, ``in 12 days`` or ``not within 60 days``."""
    if days is None:
        whole = round(horizon)
        return nmsg("not within {count} day", "not within {count} days", whole)
    if days < 1.0:
        return pmsg("time to impact", "now")
    return nmsg("in {count} day", "in {count} days", round(days))


def fmt_days(days: float | None, horizon: float, *, t: Translator | None = None) -> str:
    return (t or ui()).render(days_msg(days, horizon))


KIND_LABELS: dict[str, Msg] = {
    "elevator": msg("Elevator"),
    "cable_gateway": msg("Cable gateway"),
    "heat_pump": msg("Heat pump"),
}


def kind_label(kind: str) -> Msg:
    return KIND_LABELS.get(kind) or Msg(kind.replace("_", " ").capitalize())


def asset_label(kind: str, model: str, serial: str, *, t: Translator | None = None) -> str:
    t = t or ui()
    return t.render(msg("{kind} {model} ({serial})", kind=kind_label(kind), model=model,
                        serial=serial))


# --- a completed session's outcome line --------------------------------------------------
# Stored on the visit in English (the office reads it); shown on the laptop in the reader's
# language by reading it back.  Both sides live here so they cannot drift apart.

_OUTCOME_SEP = "; "


def outcome_line(done: int, improved: list[tuple[str, float]], rating: int | None) -> str:
    """"3 steps done; Door cycle time -12 % (improved); rated 5/5" (English, stored)."""
    parts = [f"{done} step done" if done == 1 else f"{done} steps done"]
    parts += [f"{label} {pct:+.0f} % (improved)" for label, pct in improved if pct]
    if rating:
        parts.append(f"rated {rating}/5")
    return _OUTCOME_SEP.join(parts)


@dataclass(frozen=True)
class _SignedPercent:
    value: float

    def render(self, t: Translator) -> str:
        return t.percent(self.value / 100.0, signed=True)


def outcome_msg(text: str) -> Msg | str:
    """A stored outcome line (``outcome_line``) as a message; other text as it is."""
    parts: list[Msg] = []
    for piece in text.split(_OUTCOME_SEP):
        if m := re.fullmatch(r"(\d+) steps? done", piece):
            parts.append(nmsg("{count} step done", "{count} steps done", int(m.group(1))))
        elif m := re.fullmatch(r"(.+) ([+-]\d+) % \(improved\)", piece):
            parts.append(msg("{kpi} {change} (improved)", kpi=Msg(m.group(1)),
                             change=_SignedPercent(float(m.group(2)))))
        elif m := re.fullmatch(r"rated ([1-5])/5", piece):
            parts.append(msg("rated {rating}/5", rating=int(m.group(1))))
        else:
            return text  # an office's own words, or a line from elsewhere
    joined = parts[0]
    for later in parts[1:]:
        joined = msg("{first}; {then}", first=joined, then=later)
    return joined
