"""The catalogue is current, German is complete, and every message renders.

A new string that is not in the catalogue, or not translated, would show up as English
with no error: these tests are the guard (with the literals lint in test_literals.py).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from concierge.i18n import Msg, translator_for
from tests.i18n.catalogue import fields, german, key, tool


@pytest.fixture(scope="module")
def extracted() -> Any:
    return tool().extract()


def test_committed_template_matches_the_sources(extracted: Any) -> None:
    from babel.messages.pofile import read_po

    with tool().POT.open("rb") as f:
        committed = read_po(f)
    fresh = {key(m) for m in extracted if m.id}
    stored = {key(m) for m in committed if m.id}
    assert fresh - stored == set(), "new messages: run `make i18n-update`"
    assert stored - fresh == set(), "messages no longer used: run `make i18n-update`"


def test_german_has_every_message_translated_and_nothing_unused(extracted: Any) -> None:
    catalogue = german()
    wanted = {key(m): m for m in extracted if m.id}
    have = {key(m): m for m in catalogue if m.id}
    assert sorted(set(wanted) - set(have), key=str) == [], "missing in de.po"
    assert sorted(set(have) - set(wanted), key=str) == [], "unused entries in de.po"
    assert not catalogue.obsolete, "obsolete entries in de.po"
    for k, m in have.items():
        assert not m.fuzzy, f"fuzzy: {k}"
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        assert forms and all(forms), f"untranslated: {k}"
        if isinstance(m.id, tuple):
            assert len(forms) == 2, f"German has two plural forms: {k}"
            assert isinstance(wanted[k].id, tuple), f"plural in de.po only: {k}"


def test_german_placeholders_match_the_english() -> None:
    for m in german():
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            english = fields(m.id[0]) | fields(m.id[1])
            singular, plural = m.string
            # The singular may say "eine Minute" instead of "{count} Minute".
            assert fields(singular) | {"count"} >= english and fields(singular) <= english, m.id
            assert fields(plural) == english, m.id
        else:
            assert fields(m.string) == fields(m.id), m.id


def test_plural_rule_is_germans() -> None:
    assert german().plural_forms == "nplurals=2; plural=(n != 1);"
    de = translator_for("de")
    from concierge.i18n import nmsg

    assert de.render(nmsg("{count} change", "{count} changes", 1)) == "1 Änderung"
    assert de.render(nmsg("{count} change", "{count} changes", 3)) == "3 Änderungen"
    assert de.render(nmsg("{count} change", "{count} changes", 1234)) == "1.234 Änderungen"


@pytest.mark.parametrize("language", ["en", "de", "pseudo"])
def test_every_message_renders(extracted: Any, language: str) -> None:
    t = translator_for(language)
    for m in extracted:
        if not m.id:
            continue
        params: defaultdict[str, Any] = defaultdict(lambda: 7)
        if isinstance(m.id, tuple):
            for n in (1, 2):
                message = Msg(m.id[0], m.id[1], m.context, {}, n)
                text = t.render(message.with_params())
                assert text.format_map(params)  # every placeholder is a plain name
        else:
            text = t.render(Msg(m.id, context=m.context))
            assert text.format_map(params)
        if language == "pseudo":
            assert text.startswith("[") and text.endswith("]"), m.id
