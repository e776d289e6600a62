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
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from tests.officedb import BACKENDS, POSTGRESQL, Backend, postgres_wanted
from tests.pgcluster import PrivateCluster

# CI (.ci/run) explores the same examples every run, so a build never fails on a fresh
# random search; local runs keep searching anew (and replay what failed before).
hypothesis_settings.register_profile("ci", derandomize=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

BLOCKED_TOP_LEVEL = {
    "PySide6", "shiboken6", "pyqtgraph", "ui", "pytestqt",
    "concierge_office", "fastapi", "starlette", "uvicorn", "sqlalchemy", "argon2", "psycopg",
    "alembic",
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


# --- back-office databases: SQLite and a private PostgreSQL cluster -------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: runs against the private PostgreSQL cluster")


_collected_postgresql: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("office_backend") == POSTGRESQL:
            item.add_marker("postgresql")
        if item.get_closest_marker("postgresql"):
            _collected_postgresql.append(item.nodeid)
    if not postgres_wanted():  # CONCIERGE_TEST_PG=0: the explicit opt-out deselects them
        opted_out = [item for item in items if item.get_closest_marker("postgresql")]
        config.hook.pytest_deselected(items=opted_out)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    outcomes: dict[str, int] = {}
    for outcome in ("passed", "failed", "error", "skipped", "xfailed"):
        for report in terminalreporter.stats.get(outcome, []):
            if report.when in ("call", "setup") and "postgresql" in report.keywords:
                if outcome == "passed" and report.when != "call":
                    continue
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if not _collected_postgresql and not outcomes:
        return  # a run without back-office tests (e.g. the Qt-free core run)
    if postgres_wanted():
        figures = ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())) or "none ran"
        terminalreporter.write_line(f"PostgreSQL tests (private cluster): {figures}")
    else:
        terminalreporter.write_line(
            f"PostgreSQL tests: {len(_collected_postgresql)} deselected by CONCIERGE_TEST_PG=0"
        )


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PrivateCluster]:
    """A private PostgreSQL cluster for the whole run; fails loudly if PostgreSQL is missing."""
    cluster = PrivateCluster()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session", params=BACKENDS)
def office_backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Backend:
    """The back office's database engine: every back-office test runs on each."""
    cluster = request.getfixturevalue("pg_cluster") if request.param == POSTGRESQL else None
    return Backend(request.param, cluster, tmp_path_factory.mktemp(f"office-{request.param}"))
