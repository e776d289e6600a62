from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from concierge.paths import resolve_paths
from concierge.settings import (
    SCHEMA_VERSION,
    Settings,
    SettingsError,
    load_settings,
    save_settings,
)


def test_data_dir_wins_over_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCIERGE_HOME", str(tmp_path / "env"))
    paths = resolve_paths(tmp_path / "flag")
    assert paths.data == (tmp_path / "flag" / "data").resolve()
    assert resolve_paths().logs == (tmp_path / "env" / "logs").resolve()


def test_platform_dirs_without_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CONCIERGE_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    assert resolve_paths().data == tmp_path / "xdg-data" / "field-concierge"


def test_folders_are_private(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path).ensure()
    for folder in (paths.data, paths.config, paths.logs, paths.cache):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(Settings(sync_interval_minutes=15, theme="dark"), path)
    loaded, problems = load_settings(path)
    assert problems == []
    assert (loaded.sync_interval_minutes, loaded.theme) == (15, "dark")


def test_invalid_values_fall_back_one_by_one_and_file_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    original = json.dumps({
        "schema_version": SCHEMA_VERSION,
        "sync_interval_minutes": 0,
        "theme": "purple",
        "server_url": "http://office.example.com",
        "large_touch_targets": True,
    })
    path.write_text(original)
    loaded, problems = load_settings(path)
    assert loaded.large_touch_targets is True
    assert loaded.sync_interval_minutes == 5
    assert loaded.theme == "system"
    assert loaded.server_url == Settings().server_url
    assert len(problems) == 3
    assert any("sync_interval_minutes" in p and "default 5" in p for p in problems)
    assert any("plain http" in p for p in problems)
    assert path.read_text() == original


def test_unreadable_file_gives_defaults_and_a_message(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    loaded, problems = load_settings(path)
    assert loaded == Settings()
    assert "could not be read" in problems[0]
    assert path.read_text() == "{not json"


def test_migrates_version_1(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    old = {"server": "https://office.example.com/", "sync_interval_seconds": 600}
    path.write_text(json.dumps(old))
    loaded, problems = load_settings(path)
    assert problems == []
    assert loaded.server_url == "https://office.example.com"
    assert loaded.sync_interval_minutes == 10
    assert loaded.schema_version == SCHEMA_VERSION


def test_settings_refuse_bad_values_on_creation() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings().replace(sync_interval_minutes=0)
    assert caught.value.name == "sync_interval_minutes"
    assert "between 1 and" in caught.value.reason
    with pytest.raises(SettingsError, match="plain http"):
        Settings(server_url="http://office.example.com")
    with pytest.raises(SettingsError, match="true or false"):
        Settings(large_touch_targets="yes")  # type: ignore[arg-type]
    assert Settings(server_url="https://office.example.com/").server_url == (
        "https://office.example.com")
