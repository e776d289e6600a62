# SPDX-License-Identifier: Apache-2.0
"""Start the reference back office as a child process for demo mode.

The laptop never imports the office (a laptop install does not even carry it): demo
mode runs ``python -m concierge_office --announce`` beside the app and talks to it over HTTP on
127.0.0.1, as it would to a real office.  The child stops when its standard input
closes, so it also goes when the app is killed.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from concierge.errors import PersonError

log = logging.getLogger(__name__)

_START_TIMEOUT = 60.0
_STOP_TIMEOUT = 10.0


class DemoOfficeUnavailable(PersonError, RuntimeError):
    """The back office is not in this bundle, not installed here, or it did not start
    (codes ``demo_in_bundle``, ``demo_not_installed``, ``demo_did_not_start``)."""


@dataclass
class DemoOffice:
    url: str
    login: str
    password: str
    process: subprocess.Popen[str] = field(repr=False)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        if self.process.stdin is not None:
            self.process.stdin.close()  # the child's cue to shut down cleanly
        try:
            self.process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            log.warning("The demo back office did not stop in %.0f s; killing it", _STOP_TIMEOUT)
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def office_installed() -> bool:
    if getattr(sys, "frozen", False):
        return False
    needed = ("concierge_office", "uvicorn")
    return all(importlib.util.find_spec(name) is not None for name in needed)


def start_demo_office(database: Path, port: int) -> DemoOffice:
    """Start the office with the demo fleet on ``database``; return once it serves."""
    if getattr(sys, "frozen", False):
        raise DemoOfficeUnavailable("demo_in_bundle")
    if not office_installed():
        raise DemoOfficeUnavailable("demo_not_installed")
    command = [sys.executable, "-m", "concierge_office", "--demo", "--announce",
               "--db", f"sqlite:///{database}", "--port", str(port)]
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    line = _first_line(process)
    if not line:
        process.kill()
        _, err = process.communicate()
        # The office's console is English for its operator: the log gets it, not the person.
        log.error("demo office did not start: %s", err.strip()[-2000:])
        raise DemoOfficeUnavailable("demo_did_not_start")
    threading.Thread(target=_forward_log, args=(process,), daemon=True,
                     name="demo-office-log").start()
    ready = json.loads(line)
    return DemoOffice(ready["url"], ready["login"], ready["password"], process)


def _first_line(process: subprocess.Popen[str]) -> str:
    """The child's ready line, or '' if it exits or stays silent past the timeout."""
    assert process.stdout is not None
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(process.stdout.readline()),  # type: ignore[union-attr]
                              daemon=True)
    reader.start()
    reader.join(_START_TIMEOUT)
    return result[0].strip() if result else ""


def _forward_log(process: subprocess.Popen[str]) -> None:
    assert process.stderr is not None
    with process.stderr:
        for line in process.stderr:  # the office logs warnings and errors only
            log.warning("demo office: %s", line.rstrip())
