# SPDX-License-Identifier: Apache-2.0
"""One catalogue for the project's own text, and locale-aware formatting through Babel.

English is the source language; ``concierge/locale/<lang>/LC_MESSAGES/concierge.po``
holds the translations (compiled to ``.mo`` by ``make``/``pybabel compile``).

Two ways to say something:

* ``msg("Open the visit")`` / ``nmsg("{count} change", "{count} changes", n)`` build a
  ``Msg``: inert data (text + parameters), safe at module level and returned by the
  core.  Only an edge (UI, report, CLI) turns it into text, with an explicit
  ``Translator`` for the reader's language.
* ``_()``, ``ngettext()``, ``pgettext()`` translate at once in the active UI language
  (the UI and the CLI); the report uses its own ``Translator`` (the customer's
  language), never these.

Locale parameters never default to the process environment: ``cli.py`` and the UI
choose the language once and call ``set_ui_language``.  Babel is imported on first
use, so choosing a language (and ``_()``) costs no start-up time.
"""

from __future__ import annotations

import gettext as _gettext
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from numbers import Number
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from babel import Locale

DOMAIN = "concierge"
LOCALE_DIR = Path(__file__).with_name("locale")
SOURCE = "en"
SUPPORTED: tuple[str, ...] = ("en", "de")
PSEUDO = "pseudo"
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}  # endonyms: shown as they are


@dataclass(frozen=True)
class Msg:
    """A message as data: English text (and plural), optional context, parameters."""

    text: str
    plural: str | None = None
    context: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    count: int | None = None

    def with_params(self, **params: Any) -> Msg:
        return Msg(self.text, self.plural, self.context, {**self.params, **params}, self.count)


def msg(text: str, /, **params: Any) -> Msg:
    """A message for later rendering (``Translator.render``)."""
    return Msg(text, params=params)


def pmsg(context: str, text: str, /, **params: Any) -> Msg:
    """A message with a context, for short words that mean two things ("Open")."""
    return Msg(text, context=context, params=params)


def nmsg(singular: str, plural: str, count: int, /, **params: Any) -> Msg:
    """A counted message; ``{count}`` is available in both forms."""
    return Msg(singular, plural, params={"count": count, **params}, count=count)


# --- pseudo-locale -------------------------------------------------------------------
_ACCENTS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àƀçđéƒĝĥîĵķĺɱñöþǫŕšţûṽŵẋýžÀƁÇĐÉƑĜĤÎĴĶĹṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)


def pseudo(text: str) -> str:
    """``[Àççéñţéð ţéẋţ ~~~~]``: accented, about 40 % longer, placeholders kept."""
    from string import Formatter

    out: list[str] = []
    for literal, name, spec, conv in Formatter().parse(text):
        out.append(literal.translate(_ACCENTS))
        if name is not None:
            out.append("{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "")
                       + "}")
    body = "".join(out)
    return f"[{body} {'~' * max(1, math.ceil(len(text) * 0.4) - 3)}]"


class _PseudoTranslations(_gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return pseudo(message)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)


def negotiate(preferred: Sequence[str]) -> str:
    """The first supported language among tags such as ``de_AT.UTF-8``, ``de-DE``, ``fr``
    (English when none is): a tag's language subtag decides, as gettext's fallback does."""
    for tag in preferred:
        if tag == PSEUDO:
            return PSEUDO
        language = tag.replace("-", "_").split(".")[0].split("_")[0].lower()
        if language in SUPPORTED:
            return language
    return SOURCE


def language_from_env(environ: Mapping[str, str]) -> str:
    """The language named by LC_ALL, LC_MESSAGES, LANG (POSIX order); English when unset."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return negotiate([value]) if value not in ("C", "POSIX") else SOURCE
    return SOURCE


class Translator:
    """A language's catalogue plus its number, date and unit formats (and a time zone)."""

    def __init__(self, language: str, tz: tzinfo | None = None) -> None:
        self.language = language
        self.tz = tz
        self._locale: Locale | None = None
        self._catalogue: _gettext.NullTranslations
        if language == PSEUDO:
            self._catalogue = _PseudoTranslations()
        elif language == SOURCE:
            self._catalogue = _gettext.NullTranslations()
        else:
            self._catalogue = _gettext.translation(
                DOMAIN, LOCALE_DIR, languages=[language], fallback=True)

    @property
    def locale(self) -> Locale:
        """Babel's locale (parsed on first use); pseudo formats like German, so a
        hard-coded "." decimal shows up."""
        if self._locale is None:
            from babel import Locale

            self._locale = Locale.parse("de" if self.language == PSEUDO else self.language)
        return self._locale

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"

    # --- text ------------------------------------------------------------------------
    def gettext(self, text: str) -> str:
        return self._catalogue.gettext(text)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalogue.ngettext(singular, plural, n)

    def pgettext(self, context: str, text: str) -> str:
        return self._catalogue.pgettext(context, text)

    def render(self, message: Msg | str) -> str:
        """A message in this language, its parameters formatted for this locale."""
        if isinstance(message, str):
            return message  # already text (user data, or rendered before)
        if message.plural is not None:
            n = message.count if message.count is not None else 0
            if message.context:
                text = self._catalogue.npgettext(message.context, message.text, message.plural, n)
            else:
                text = self._catalogue.ngettext(message.text, message.plural, n)
        elif message.context:
            text = self._catalogue.pgettext(message.context, message.text)
        else:
            text = self._catalogue.gettext(message.text)
        if not message.params:
            return text
        values = {k: self._param(v) for k, v in message.params.items()}
        return text.format_map(values)

    def _param(self, value: Any) -> str:
        if isinstance(value, Msg):
            return self.render(value)
        renderer = getattr(value, "render", None)
        if callable(renderer):  # e.g. a Quantity: formats itself for a translator
            return str(renderer(self))
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, Number):  # int, float, Decimal
            return self.number(value)
        if isinstance(value, datetime):
            return self.format_datetime(value)
        if isinstance(value, date):
            return self.format_date(value)
        if isinstance(value, timedelta):
            return self.duration(value)
        return str(value)

    # --- numbers -----------------------------------------------------------------------
    def number(self, value: Any, decimals: int | None = None,
               *, grouping: bool = True) -> str:
        """``1.234,5`` (de) / ``1,234.5`` (en); ``decimals`` fixes the fraction digits."""
        if isinstance(value, float) and not math.isfinite(value):
            return "–"
        if decimals is None and grouping:
            quick = _quick_number(self.language, value)
            if quick is not None:
                return quick
        from babel import numbers

        if decimals is None:
            return numbers.format_decimal(value, locale=self.locale, group_separator=grouping)
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        if not grouping:
            pattern = pattern.replace("#,##", "")
        return numbers.format_decimal(value, format=pattern, locale=self.locale,
                                      decimal_quantization=True, group_separator=grouping)

    def percent(self, value: float, decimals: int = 0, *, signed: bool = False) -> str:
        """``value`` is a fraction: 0.125 → ``12,5 %`` (de) / ``12.5%`` (en)."""
        if not decimals and not signed:
            quick = _quick_percent(self.language, value)
            if quick is not None:
                return quick
        from babel import numbers

        fraction = "." + "0" * decimals if decimals else ""
        pattern = self.locale.percent_formats[None].pattern
        body = pattern.replace("#,##0", "#,##0" + fraction)
        if signed:
            body = f"+{body};-{body}"
        return numbers.format_percent(value, format=body, locale=self.locale,
                                      decimal_quantization=True)

    def parse_number(self, text: str) -> float:
        """A typed-in number in this locale (decimal comma or point, grouping); ValueError."""
        from babel import numbers

        try:
            return float(numbers.parse_decimal(text.strip(), locale=self.locale, strict=True))
        except numbers.NumberFormatError as exc:
            raise ValueError(str(exc)) from exc

    def unit(self, value: float, cldr_unit: str, decimals: int | None = None,
             length: str = "short") -> str:
        """A measurement with a CLDR unit id: ``3,5 bar``, ``2 Std.``."""
        from babel import units

        fmt = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
        return units.format_unit(value, cldr_unit, length=length,  # type: ignore[arg-type]
                                 format=fmt, locale=self.locale)

    # --- dates and times -------------------------------------------------------------
    def _zone(self, value: datetime) -> datetime:
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.astimezone(self.tz) if self.tz else value.astimezone()

    def format_date(self, value: date | datetime, format: str = "medium") -> str:
        if isinstance(value, datetime):
            value = self._zone(value)
        from babel import dates

        return dates.format_date(value, format=format, locale=self.locale)

    def format_time(self, value: datetime, format: str = "short") -> str:
        from babel import dates

        return dates.format_time(self._zone(value), format=format, locale=self.locale)

    def format_datetime(self, value: datetime, format: str = "medium") -> str:
        from babel import dates

        moment = self._zone(value)
        return dates.format_datetime(moment, format=format, tzinfo=moment.tzinfo,
                                     locale=self.locale)

    def format_skeleton(self, value: datetime, skeleton: str) -> str:
        """A date in a CLDR skeleton such as ``EEEdMMM`` ("Tue, 14 May" / "Di., 14. Mai")."""
        from babel import dates

        return dates.format_skeleton(skeleton, self._zone(value), locale=self.locale)

    def relative(self, delta: timedelta | int, *, threshold: float = 0.85,
                 granularity: str = "second") -> str:
        """``in 3 Tagen`` / ``vor 2 Stunden``; ``delta`` is future-positive (seconds or td)."""
        from babel import dates

        return dates.format_timedelta(delta, add_direction=True, threshold=threshold,
                                      granularity=granularity,  # type: ignore[arg-type]
                                      locale=self.locale)

    def duration(self, value: timedelta | int, *, granularity: str = "second") -> str:
        """About how long: ``3 Tage``, ``12 Minuten`` (one rounded unit)."""
        from babel import dates

        return dates.format_timedelta(value, granularity=granularity,  # type: ignore[arg-type]
                                      locale=self.locale)

    def list(self, items: Sequence[str], style: str = "standard") -> str:
        from babel.lists import format_list

        return format_list(list(items), style=style, locale=self.locale)  # type: ignore[arg-type]


# CLDR's number symbols and percent pattern for the languages we ship (tests/i18n checks
# them against Babel's), so the numbers on the board's first paint do not import Babel
# (about 40 ms of CPU); anything else goes through Babel.
_SYMBOLS = {SOURCE: (".", ",", "{}%"), "de": (",", ".", "{}\u00a0%"),
            PSEUDO: (",", ".", "{}\u00a0%")}


def _grouped(language: str, value: Decimal) -> str | None:
    symbols = _SYMBOLS.get(language)
    if symbols is None:
        return None
    decimal, group, _percent = symbols
    text = format(value, ",f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


def _quick_number(language: str, value: Any) -> str | None:
    """Babel's default ``format_decimal`` (up to 3 fraction digits, half-even) for an int
    or a float, without Babel; None for a language or value it leaves to Babel."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    exact = Decimal(str(value))
    return _grouped(language, exact.quantize(_THOUSANDTH, ROUND_HALF_EVEN)
                    if exact.as_tuple().exponent != 0 else exact)


def _quick_percent(language: str, value: Any) -> str | None:
    """A whole percentage (``12 %``/``12%``) as ``percent`` gives it, without Babel."""
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or language not in _SYMBOLS:
        return None
    whole = (Decimal(str(value)) * 100).quantize(_ONE, ROUND_HALF_EVEN)
    number = _grouped(language, whole)
    return None if number is None else _SYMBOLS[language][2].format(number)


_THOUSANDTH, _ONE = Decimal("0.001"), Decimal(1)


@lru_cache(maxsize=16)
def translator_for(language: str, tz: tzinfo | None = None) -> Translator:
    """The translator for a supported language tag (or the pseudo-locale); cached."""
    return Translator(negotiate([language]), tz)


# --- the active UI (and CLI) language -----------------------------------------------
_ui: Translator | None = None


def set_ui_language(language: str) -> Translator:
    """Choose the language of the UI/CLI (once, at start-up)."""
    global _ui  # noqa: PLW0603
    _ui = translator_for(language)
    return _ui


def ui() -> Translator:
    """The active UI translator (English until ``set_ui_language``)."""
    return _ui if _ui is not None else translator_for(SOURCE)


def N_(text: str) -> str:
    """Mark text for the catalogue without translating it yet (``_(text)`` later)."""
    return text


def _(text: str) -> str:
    return ui().gettext(text)


def ngettext(singular: str, plural: str, n: int) -> str:
    return ui().ngettext(singular, plural, n)


def pgettext(context: str, text: str) -> str:
    return ui().pgettext(context, text)


def tr(message: Msg | str) -> str:
    """A core message rendered in the UI language."""
    return ui().render(message)
