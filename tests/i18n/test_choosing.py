"""The UI language setting: system, English or German; anything else is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from concierge.settings import Settings, SettingsError, load_settings


def test_language_setting_is_checked_and_kept(tmp_path: Path) -> None:
    assert Settings().language == "system"
    assert Settings(language="de").language == "de"
    with pytest.raises(SettingsError) as err:
        Settings(language="fr")
    assert err.value.name == "language"
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"schema_version": 2, "language": "klingon", "theme": "dark"}))
    settings, problems = load_settings(path)
    assert (settings.language, settings.theme) == ("system", "dark")
    assert len(problems) == 1 and "language" in problems[0]
