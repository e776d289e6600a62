"""Typed, versioned settings with migrations and per-field fallback.

A bad value in the settings file costs only that value: it is reported and
replaced by its default, and the file itself is left as it is until the person
saves new settings.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from concierge.netpolicy import check_server_url

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
DEFAULT_SERVER_URL = "http://127.0.0.1:8765"


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    schema_version: int = SCHEMA_VERSION
    server_url: str = DEFAULT_SERVER_URL
    username: str = ""
    sync_interval_minutes: int = Field(default=5, ge=1, le=24 * 60)
    theme: Literal["system", "light", "dark"] = "system"
    large_touch_targets: bool = False
    demo_mode: bool = False

    @field_validator("server_url")
    @classmethod
    def _server_url_allowed(cls, value: str) -> str:
        return check_server_url(value)


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
    for name in Settings.model_fields:
        if name not in raw or name == "schema_version":
            continue
        try:
            Settings.model_validate({name: raw[name]})
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            problems.append(
                f"Setting '{name}' = {raw[name]!r} is invalid ({reason}); using the default "
                f"{Settings.model_fields[name].default!r}."
            )
        else:
            good[name] = raw[name]
    for message in problems:
        log.warning(message)
    return Settings.model_validate(good), problems


def save_settings(settings: Settings, path: Path) -> None:
    """Write atomically: a crash mid-write leaves the old file intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(settings.model_dump(mode="json"), handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
