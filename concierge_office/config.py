# SPDX-License-Identifier: Apache-2.0
"""The office's settings: defaults < TOML file < ``CONCIERGE_OFFICE_*`` environment < flags.

The file is ``--config``, else ``CONCIERGE_OFFICE_CONFIG``, else
``/etc/field-concierge/office.toml`` if it exists.  Unknown keys and bad values are refused
at start, naming the key.  ``database_url`` may also come from a file
(``database_url_file`` / ``CONCIERGE_OFFICE_DATABASE_URL_FILE``), so a password need not sit
in the environment.
"""

from __future__ import annotations

import json
import logging
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import make_url

from concierge_office.db import normalise_url

DEFAULT_CONFIG_FILE = Path("/etc/field-concierge/office.toml")
ENV_PREFIX = "CONCIERGE_OFFICE_"


class ConfigError(ValueError):
    """The configuration is refused; the message names the key."""


def default_database_url() -> str:
    """A SQLite file in the platform's data folder; it persists across starts."""
    folder = Path(platformdirs.user_data_dir("field-concierge-office", appauthor=False))
    return f"sqlite:///{folder / 'office.sqlite'}"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str = Field(default_factory=default_database_url)
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)
    uds: str | None = None  # serve on a unix socket (behind a reverse proxy)
    workers: int = Field(default=1, ge=1, le=64)
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    graceful_timeout: float = Field(default=10.0, gt=0, le=300)
    forwarded_allow_ips: str = "127.0.0.1"
    migrate_at_start: bool = True
    access_ttl: float = Field(default=15 * 60.0, gt=0)
    tombstone_retention_days: float = Field(default=60.0, gt=0)
    # "who to call" in the customer's report for a site whose contract names no phone
    office_phone: str = Field(default="", max_length=64)

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        url = make_url(normalise_url(value))
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("must be sqlite:///PATH or postgresql://USER@HOST/DB")
        return normalise_url(value)

    def redacted(self) -> dict[str, Any]:
        """The settings with secrets masked, as print-config shows them."""
        shown = self.model_dump()
        url = make_url(self.database_url)
        if url.password:
            shown["database_url"] = url.render_as_string(hide_password=True)
        return shown


def load(config_file: Path | None = None, overrides: dict[str, Any] | None = None,
         environ: dict[str, str] | None = None) -> Settings:
    """The effective settings; raises ConfigError naming the offending key."""
    environ = dict(os.environ) if environ is None else environ
    values: dict[str, Any] = {}
    named = environ.get(f"{ENV_PREFIX}CONFIG", "")
    source = config_file or (Path(named) if named else None)
    if source is None and DEFAULT_CONFIG_FILE.is_file():
        source = DEFAULT_CONFIG_FILE
    if source is not None:
        try:
            values.update(tomllib.loads(source.read_text()))
        except OSError as error:
            raise ConfigError(f"cannot read the config file {source}: {error.strerror}") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{source} is not valid TOML: {error}") from None
    fields = set(Settings.model_fields)
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == f"{ENV_PREFIX}CONFIG":
            continue
        key = name[len(ENV_PREFIX):].lower()
        if key not in fields and key != "database_url_file":
            raise ConfigError(f"unknown setting {name} (known: {', '.join(sorted(fields))})")
        values[key] = value
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    secret_file = values.pop("database_url_file", None)
    if secret_file is not None:
        try:
            values["database_url"] = Path(str(secret_file)).read_text().strip()
        except OSError as error:
            raise ConfigError(
                f"database_url_file: cannot read {secret_file}: {error.strerror}"
            ) from None
    try:
        return Settings(**values)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'config'}: {e['msg']}"
            for e in error.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from None


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the exception)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    if settings.log_level != "debug":  # one line per migration step is enough
        logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
