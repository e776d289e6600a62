"""The board's numbers without Babel: the same text as Babel's, and no Babel or numpy
imported to show a headline (each costs the cold start tens of milliseconds)."""

from __future__ import annotations

import subprocess
import sys

from babel import Locale, numbers
from hypothesis import given
from hypothesis import strategies as st

from concierge.i18n import PSEUDO, SOURCE, _quick_number, _quick_percent, translator_for

LANGUAGES = (SOURCE, "de", PSEUDO)
FLOATS = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)


def _babel_locale(language: str) -> str:
    return "de" if language == PSEUDO else language


@given(st.one_of(FLOATS, st.integers(-10**12, 10**12), st.sampled_from([-0.0, 0.0005, 2.5e-4])))
def test_numbers_as_babel_writes_them(value: float) -> None:
    for language in LANGUAGES:
        assert _quick_number(language, value) == numbers.format_decimal(
            value, locale=_babel_locale(language))


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
def test_whole_percentages_as_babel_writes_them(value: float) -> None:
    for language in LANGUAGES:
        locale = Locale.parse(_babel_locale(language))
        assert _quick_percent(language, value) == numbers.format_percent(
            value, format=locale.percent_formats[None].pattern, locale=locale,
            decimal_quantization=True)


def test_other_languages_and_types_are_left_to_babel() -> None:
    assert _quick_number("fr", 1.5) is None
    assert _quick_number(SOURCE, True) is None
    assert translator_for("de").number(1234.5) == "1.234,5"
    assert translator_for("de").number(1234.5, 2) == "1.234,50"  # through Babel


def test_a_german_headline_renders_without_babel_or_numpy() -> None:
    code = """
import sys
from concierge.i18n import translator_for
from concierge.insights.text import headline_text
coded = {"code": "trend.crosses", "params": {"metric": "latency", "value": 1050.0, "days": 3.2}}
text = translator_for("de").render(headline_text("Latency crosses 1,050 ms in ~3 days", coded))
assert text == "Latenz erreicht 1.050 ms in ~3 Tagen", text
loaded = sorted(m for m in ("babel", "numpy") if m in sys.modules)
assert not loaded, loaded
"""
    subprocess.run([sys.executable, "-c", code], check=True)
