"""Insight headlines and explanations for readers of any language."""

from __future__ import annotations

from concierge.i18n import Msg, translator_for
from concierge.insights.text import explanation_msg, headline_msg
from tests.core.session_factories import counter_insight, trend_insight

DE, EN = translator_for("de"), translator_for("en")


def test_detector_headlines_render_per_locale_and_unknown_text_stays() -> None:
    cases = {
        "Door cycle time crosses 6 s in ~5 days": "Türzykluszeit erreicht 6 s in ~5 Tagen",
        "Latency crosses 1,050 ms within a day":
            "Latenz erreicht 1.050 ms innerhalb eines Tages",
        "Vibration up 1.86 mm/s since 29 Nov": "Vibration seit 29. Nov. um 1,86 mm/s gestiegen",
        "Door cycles: service limit in ~9 days": "Türzyklen: Wartungsgrenze in ~9 Tagen",
        "Door cycles: 87% of service limit": "Türzyklen: 87\u00a0% der Wartungsgrenze",
        "Vibration spikes: 4 in the last 2 days":
            "Vibration: 4 Ausreißer in den letzten 2 Tagen",
        "Motor temperature above warning (75 °C)":
            "Motortemperatur über der Warnschwelle (75 °C)",
        "Findings resolved: Latency crosses 50 ms in ~5 days":
            "Befunde behoben: Latenz erreicht 50 ms in ~5 Tagen",
    }
    for english, german in cases.items():
        message = headline_msg(english)
        assert isinstance(message, Msg), english
        assert DE.render(message) == german
    assert EN.render(headline_msg("Door cycle time crosses 6 s in ~5 days")) == (
        "Door cycle time crosses 6 s in ~5 days")
    assert headline_msg("Routine check 12") == "Routine check 12"  # the office's own words
    assert headline_msg("Cabin light crosses 6 s in ~5 days") == (
        "Cabin light crosses 6 s in ~5 days")  # not one of our metrics


def test_explanations_from_the_evidence() -> None:
    trend = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    message = explanation_msg(trend)
    assert message is not None
    assert DE.render(message).startswith("Türzykluszeit steigt um 0,1 s pro Tag (Sicherheit ")
    counter = counter_insight("i2", "e1", "door_cycles")
    message = explanation_msg(counter)
    assert message is not None
    assert DE.render(message) == (
        "Türzyklen bei 1.900.000 Zyklen von 2.000.000 Zyklen bis zur Wartungsgrenze "
        "(Sicherheit 90\u00a0%).")


def test_unusual_behaviour_explained_in_words_from_the_alarm_data() -> None:
    """The office's alarm data (channel, ratio, onset, confidence level) reads as a
    sentence per locale, with the confidence in words, never a bare number."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    onset = datetime(2026, 12, 1, 14, 0, tzinfo=UTC).timestamp()
    evidence = {"channel": "variance", "ratio": 4.1, "onset": onset, "at": onset + 3600,
                "confidence_level": "high", "score": 0.93, "threshold": 0.6}
    insight = SimpleNamespace(metric="vibration", kind="anomaly", confidence=0.9,
                              evidence=evidence)
    en, de = translator_for("en", UTC), translator_for("de", UTC)
    message = explanation_msg(insight)
    assert message is not None
    assert en.render(message) == (
        "Vibration variance is 4.1× its usual level since Tue, Dec 1 2:00\u202fPM "
        "(high confidence).")
    assert de.render(message) == (
        "Die Streuung von Vibration ist seit Di., 1. Dez. 14:00 4,1-mal so groß wie üblich "
        "(hohe Sicherheit).")
    assert "0.9" not in en.render(message) and "93" not in en.render(message)
    assert de.render(headline_msg("Vibration: unusual behaviour")) == (
        "Vibration: auffälliges Verhalten")
    unknown = SimpleNamespace(metric="vibration", kind="anomaly", confidence=0.9,
                              evidence={**evidence, "channel": "telepathy"})
    assert explanation_msg(unknown) is None  # the office's English wording is shown instead
