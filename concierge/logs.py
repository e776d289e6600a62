# SPDX-License-Identifier: Apache-2.0
"""Logging: a rotating file plus stderr, with secrets redacted from every line."""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path
from typing import IO

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


class RotatingLogFile(logging.FileHandler):
    """A log file that starts afresh once it reaches ``max_bytes``, keeping ``backups`` old
    ones (``NAME.1`` the newest): ``logging.handlers.RotatingFileHandler``'s rotation
    without importing ``logging.handlers`` (socket, pickle, queue: ~8 ms of the app's start)."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        super().__init__(path, encoding="utf-8")
        self.max_bytes = max_bytes
        self.backups = backups

    def emit(self, record: logging.LogRecord) -> None:
        stream = self.stream
        try:
            if stream is not None and stream.seek(0, os.SEEK_END) >= self.max_bytes:
                self._rotate(stream)
        except (OSError, ValueError):
            self.handleError(record)
            return
        super().emit(record)

    def _rotate(self, stream: IO[str]) -> None:
        stream.close()
        base = self.baseFilename
        try:
            for number in range(self.backups - 1, 0, -1):
                if os.path.exists(f"{base}.{number}"):
                    os.replace(f"{base}.{number}", f"{base}.{number + 1}")
            os.replace(base, f"{base}.1")
        finally:
            self.stream = self._open()


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
            RotatingLogFile(logs_dir / "concierge.log", max_bytes=2_000_000, backups=5)
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
