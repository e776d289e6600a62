"""Numbers, units, dates and relative times per locale; typed input read per locale."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concierge.i18n import negotiate, pseudo, translator_for
from concierge.session.text import fmt_days, fmt_pct, fmt_value
from concierge.session.validation import MeasurementError, parse_measurement

LOCALES = ("en", "de")
values = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(value=values, decimals=st.integers(min_value=0, max_value=3),
       language=st.sampled_from(LOCALES))
def test_format_then_parse_round_trips(value: float, decimals: int, language: str) -> None:
    t = translator_for(language)
    text = t.number(value, decimals)
    # within half a unit of the last shown digit (CLDR rounds half-even on the decimal text)
    assert t.parse_number(text) == pytest.approx(value, abs=0.51 * 10 ** -decimals)


@given(value=values, decimals=st.integers(min_value=0, max_value=3),
       language=st.sampled_from(LOCALES))
def test_a_typed_measurement_reads_back_in_its_locale(value: float, decimals: int,
                                                       language: str) -> None:
    t = translator_for(language)
    text = t.number(value, decimals)  # with grouping: "1.234,5" / "1,234.5"
    assert parse_measurement(text, t=t) == pytest.approx(value, abs=0.51 * 10 ** -decimals)


def test_typed_input_takes_both_decimal_marks_and_grouping() -> None:
    de, en = translator_for("de"), translator_for("en")
    assert parse_measurement("1.234,5", t=de) == 1234.5
    assert parse_measurement("1.234", t=de) == 1234.0  # German grouping, not 1.234
    assert parse_measurement("12.5", t=de) == 12.5  # a point typed on a German laptop
    assert parse_measurement("12,5 °C", "°C", t=en) == 12.5  # a comma typed in English
    assert parse_measurement("1,234.5", t=en) == 1234.5
    with pytest.raises(MeasurementError) as err:
        parse_measurement("zwölf", "s", t=de)
    assert de.render(err.value.msg).startswith("„zwölf“ ist keine Zahl.")


def test_german_formats() -> None:
    de = translator_for("de")
    moment = datetime(2026, 5, 14, 9, 30, tzinfo=UTC)
    assert de.number(12345.678) == "12.345,678"
    assert fmt_value(12345.0, "kWh", t=de) == "12.345 kWh"
    assert fmt_value(12.345, "°C", t=de) == "12,3 °C"
    assert fmt_value(2400.0, "trips/day", t=de) == "2.400 Fahrten/Tag"
    assert fmt_pct(27.27, t=de) == "+27,3\u00a0%"
    assert de.unit(3.5, "pressure-bar") == "3,5 bar"
    assert de.format_date(moment, "long") == "14. Mai 2026"
    assert de.relative(timedelta(days=3)) == "in 3 Tagen"
    assert de.relative(timedelta(hours=-2)) == "vor 2 Stunden"
    assert de.duration(timedelta(minutes=12)) == "12 Minuten"
    assert fmt_days(12.4, 60, t=de) == "in 12 Tagen"
    assert fmt_days(None, 60, t=de) == "nicht innerhalb von 60 Tagen"


def test_english_formats() -> None:
    en = translator_for("en")
    assert fmt_value(12345.0, "kWh", t=en) == "12,345 kWh"
    assert fmt_pct(27.27, t=en) == "+27.3%"
    assert en.relative(timedelta(days=3)) == "in 3 days"
    assert fmt_days(1.2, 60, t=en) == "in 1 day"


def test_pseudo_locale_is_bracketed_longer_and_keeps_placeholders() -> None:
    text = pseudo("Sign in as {name}")
    assert text.startswith("[") and text.endswith("]") and "{name}" in text
    assert len(text) >= 1.35 * len("Sign in as {name}")
    assert "Šîĝñ îñ" in text
    assert translator_for("pseudo").number(1234.5) == "1.234,5"  # formats like German


def test_negotiation() -> None:
    assert negotiate(["de_AT.UTF-8"]) == "de"
    assert negotiate(["de-CH"]) == "de"
    assert negotiate(["fr_FR", "de"]) == "de"
    assert negotiate(["fr_FR"]) == "en"
    assert negotiate(["C.UTF-8"]) == "en"


def test_the_process_locale_never_leaks_into_an_explicit_language() -> None:
    """With LANG=fr and LANGUAGE=de in the environment, English stays English (gettext
    would read LANGUAGE by itself) and German stays German."""
    code = (
        "from concierge.i18n import translator_for, nmsg\n"
        "m = nmsg('{count} change', '{count} changes', 1234)\n"
        "print(translator_for('en').render(m)); print(translator_for('de').render(m))\n"
    )
    env = {**os.environ, "LANG": "fr_FR.UTF-8", "LANGUAGE": "de", "LC_ALL": "fr_FR.UTF-8"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.splitlines() == ["1,234 changes", "1.234 Änderungen"]


def test_cli_follows_lang_and_the_flag() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}

    def run(*args: str, lang: str) -> str:
        done = subprocess.run([sys.executable, "-m", "concierge", *args, "--help"],
                              env={**env, "LANG": lang}, capture_output=True, text=True,
                              timeout=60, check=True)
        return done.stdout

    assert "keep all data, settings and logs" in run(lang="C.UTF-8")
    german = run(lang="de_DE.UTF-8")
    assert "alle Daten, Einstellungen und Protokolle" in german
    assert german.startswith("Aufruf: concierge") and "diese Hilfe anzeigen" in german
    assert "usage:" not in german and "show this help" not in german
    assert "keep all data, settings and logs" in run("--lang", "en", lang="de_DE.UTF-8")
    assert "alle Daten" in run("--lang", "de", lang="C.UTF-8")
