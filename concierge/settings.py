# SPDX-License-Identifier: Apache-2.0
"""Typed, versioned settings with migrations and per-field fallback.

A bad value in the settings file costs only that value: it is reported and
replaced by its default, and the file itself is left as it is until the person
saves new settings.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, get_args

from concierge.netpolicy import check_server_url

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
DEFAULT_SERVER_URL = "http://127.0.0.1:8765"
MAX_SYNC_INTERVAL_MINUTES = 24 * 60
Theme = Literal["system", "light", "dark"]
THEMES: tuple[str, ...] = get_args(Theme)
LANGUAGES: tuple[str, ...] = ("system", "en", "de")  # the UI's; applied at the next start


class SettingsError(ValueError):
    """A setting's value is refused; the message says which and why."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
        self.name = name
        self.reason = reason


def _whole_number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


def _interval(value: Any) -> int:
    minutes = _whole_number(value)
    if not 1 <= minutes <= MAX_SYNC_INTERVAL_MINUTES:
        raise ValueError(f"must be between 1 and {MAX_SYNC_INTERVAL_MINUTES} minutes")
    return minutes


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def _switch(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _theme(value: Any) -> str:
    if value not in THEMES:
        raise ValueError(f"must be one of {', '.join(THEMES)}")
    return str(value)


def _language(value: Any) -> str:
    if value not in LANGUAGES:
        raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
    return str(value)


def _server_url(value: Any) -> str:
    return check_server_url(_text(value))


CHECKS: dict[str, Callable[[Any], Any]] = {
    "schema_version": _whole_number,
    "server_url": _server_url,
    "username": _text,
    "sync_interval_minutes": _interval,
    "theme": _theme,
    "large_touch_targets": _switch,
    "language": _language,
    "demo_mode": _switch,
}


@dataclasses.dataclass(frozen=True)
class Settings:
    """Validated on creation (``SettingsError``), so a ``Settings`` is always usable.

    A plain dataclass rather than a pydantic model: the window needs its settings
    before its first paint, and this keeps pydantic's import off that path.
    """

    schema_version: int = SCHEMA_VERSION
    server_url: str = DEFAULT_SERVER_URL
    username: str = ""
    sync_interval_minutes: int = 5
    theme: Theme = "system"
    large_touch_targets: bool = False
    language: str = "system"
    demo_mode: bool = False

    def __post_init__(self) -> None:
        for name, check in CHECKS.items():
            try:
                object.__setattr__(self, name, check(getattr(self, name)))
            except ValueError as exc:
                raise SettingsError(name, str(exc)) from None

    def replace(self, **changes: Any) -> Settings:
        """A validated copy with ``changes``."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


DEFAULTS = Settings()


def _v1_to_v2(raw: dict[str, Any]) -> dict[str, Any]:
    """v1 stored ``server`` and ``sync_interval_seconds``."""
    raw = dict(raw)
    if "server" in raw:
        raw["server_url"] = raw.pop("server")
    seconds = raw.pop("sync_interval_seconds", None)
    if isinstance(seconds, int | float) and not isinstance(seconds, bool):
        raw["sync_interval_minutes"] = max(1, round(seconds / 60))
    raw["schema_version"] = 2
    return raw


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}


def migrate(raw: dict[str, Any]) -> dict[str, Any]:
    version = raw.get("schema_version", 1)
    if not isinstance(version, int):
        version = 1
    while version < SCHEMA_VERSION and version in MIGRATIONS:
        raw = MIGRATIONS[version](raw)
        version = raw["schema_version"]
    return raw


def load_settings(path: Path) -> tuple[Settings, list[str]]:
    """Read settings; return them with a message for every value that was refused."""
    if not path.exists():
        return Settings(), []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Settings(), [f"Settings file {path} could not be read ({exc}); using defaults."]
    if not isinstance(raw, dict):
        return Settings(), [f"Settings file {path} does not hold an object; using defaults."]
    raw = migrate(raw)
    problems: list[str] = []
    good: dict[str, Any] = {}
    for name, check in CHECKS.items():
        if name not in raw or name == "schema_version":
            continue
        try:
            good[name] = check(raw[name])
        except ValueError as exc:
            problems.append(
                f"Setting '{name}' = {raw[name]!r} is invalid ({exc}); using the default "
                f"{getattr(DEFAULTS, name)!r}."
            )
    for message in problems:
        log.warning(message)
    return Settings(**good), problems


def save_settings(settings: Settings, path: Path) -> None:
    """Write atomically: a crash mid-write leaves the old file intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(settings.as_dict(), handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
