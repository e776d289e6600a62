"""Suite-wide guards: a private data folder, no leaked threads.

With CONCIERGE_BLOCK_QT=1 (``make core-only``) every Qt, ``ui``, back-office and
server-stack import is refused, proving the core runs without PySide6 and without
the office's dependencies (a laptop install has neither the office nor its stack).
"""

from __future__ import annotations

import importlib.abc
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# CI (.ci/run) explores the same examples every run, so a build never fails on a fresh
# random search; local runs keep searching anew (and replay what failed before).
hypothesis_settings.register_profile("ci", derandomize=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

BLOCKED_TOP_LEVEL = {
    "PySide6", "shiboken6", "pyqtgraph", "ui", "pytestqt",
    "concierge_office", "fastapi", "starlette", "uvicorn", "sqlalchemy", "argon2",
}


class _QtBlocker(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        if fullname.split(".")[0] in BLOCKED_TOP_LEVEL:
            raise ImportError(f"{fullname} is blocked: the core must run without Qt or the office")


if os.environ.get("CONCIERGE_BLOCK_QT"):
    for name in list(sys.modules):
        if name.split(".")[0] in BLOCKED_TOP_LEVEL:
            raise RuntimeError(f"{name} was imported before the import blocker was installed")
    sys.meta_path.insert(0, _QtBlocker())


@pytest.fixture(autouse=True)
def concierge_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own CONCIERGE_HOME, so nothing touches a real home."""
    home = tmp_path / "concierge-home"
    monkeypatch.setenv("CONCIERGE_HOME", str(home))
    return home


def _live_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if (t.is_alive() and not t.daemon) or _is_ours(t)}


def _is_ours(thread: threading.Thread) -> bool:
    # Daemon threads we start are named; anonymous daemon threads of libraries are ignored.
    return thread.is_alive() and thread.name.startswith("concierge")


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    before = _live_threads()
    yield
    leaked: set[threading.Thread] = set()
    for thread in _live_threads() - before:
        thread.join(timeout=5)
        if thread.is_alive():
            leaked.add(thread)
    assert not leaked, f"test leaked threads: {sorted(t.name for t in leaked)}"
