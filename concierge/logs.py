# SPDX-License-Identifier: Apache-2.0
"""Logging: a rotating file plus stderr, with secrets redacted from every line."""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from pathlib import Path

REDACTED = "[REDACTED]"
_SECRET_KEYS = r"(?:password|passwd|secret|token|access_token|refresh_token|api_key|apikey)"
_PATTERNS = (
    # Authorization: Bearer abc / 'Authorization': 'Basic abc'
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?:bearer\s+|basic\s+)?[^\s'\",}]+"),
    re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    # "password": "x", password=x, 'refresh_token': 'x'
    re.compile(rf"(?i)(['\"]?\w*{_SECRET_KEYS}['\"]?\s*[:=]\s*['\"]?)[^\s'\",&}}]+"),
)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactingFormatter(logging.Formatter):
    """Redacts the fully formatted line, tracebacks included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Libraries that log every scheduler tick or request at INFO.
QUIET_LOGGERS = ("apscheduler", "uvicorn.access", "urllib3", "hypothesis")
_HANDLER_MARK = "_concierge_handler"


def setup_logging(logs_dir: Path | None, *, level: int = logging.INFO, stderr: bool = True) -> None:
    """Configure the root logger once; calling again replaces our handlers."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(handler)
        handler.close()
    formatter = RedactingFormatter(LOG_FORMAT)
    handlers: list[logging.Handler] = []
    if logs_dir is not None:
        logs_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                logs_dir / "concierge.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
            )
        )
    if stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(formatter)
        setattr(handler, _HANDLER_MARK, True)
        root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
