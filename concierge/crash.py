# SPDX-License-Identifier: Apache-2.0
"""Crash reports: written on an uncaught exception, offered on the next start.

The core writes and lists reports; the UI decides how to show them.
"""

from __future__ import annotations

import faulthandler
import logging
import sys
import threading
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from concierge.logs import redact

log = logging.getLogger(__name__)

REPORT_GLOB = "crash-*.txt"
SEEN_SUFFIX = ".seen"


def _platform() -> str:
    import platform  # only when writing a report: its import costs start-up

    return f"{platform.python_version()} on {platform.platform()}"


def write_report(
    logs_dir: Path,
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    *,
    thread: str | None = None,
) -> Path:
    from concierge import __version__  # importlib.metadata: only when writing a report

    now = datetime.now(UTC)
    path = logs_dir / f"crash-{now:%Y%m%d-%H%M%S-%f}.txt"
    body = "".join(traceback.format_exception(exc_type, exc, tb))
    header = (
        f"Field Concierge {__version__} crashed at {now.isoformat()}\n"
        f"Python {_platform()}\n"
        f"Thread: {thread or threading.current_thread().name}\n\n"
    )
    logs_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(redact(header + body), encoding="utf-8")
    return path


def pending_reports(logs_dir: Path) -> list[Path]:
    """Reports not yet offered to the person, oldest first."""
    return sorted(logs_dir.glob(REPORT_GLOB)) if logs_dir.is_dir() else []


def mark_seen(report: Path) -> Path:
    seen = report.with_name(report.name + SEEN_SUFFIX)
    report.rename(seen)
    return seen


class CrashHandler:
    """Installs ``sys.excepthook``, ``threading.excepthook`` and faulthandler."""

    def __init__(self, logs_dir: Path) -> None:
        self.logs_dir = logs_dir
        self._fault_file: IO[str] | None = None
        self._previous_hooks = (sys.excepthook, threading.excepthook)

    def install(self) -> CrashHandler:
        self.logs_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._fault_file = (self.logs_dir / "faulthandler.log").open("a", encoding="utf-8")
        faulthandler.enable(self._fault_file)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook
        return self

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._previous_hooks
        if self._fault_file is not None:
            faulthandler.disable()
            self._fault_file.close()
            self._fault_file = None

    def _excepthook(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous_hooks[0](exc_type, exc, tb)
            return
        path = write_report(self.logs_dir, exc_type, exc, tb)
        log.critical("Uncaught exception; report written to %s", path, exc_info=(exc_type, exc, tb))

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        name = args.thread.name if args.thread else None
        path = write_report(
            self.logs_dir, args.exc_type, args.exc_value, args.exc_traceback, thread=name
        )
        log.critical("Uncaught exception in thread %s; report written to %s", name, path)
