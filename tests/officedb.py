"""Back-office databases for tests, on SQLite files or on the private PostgreSQL cluster.

A template is built once per session and backend; every test gets its own copy:
a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from tests.pgcluster import PrivateCluster

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


def postgres_wanted() -> bool:
    """PostgreSQL runs unless CONCIERGE_TEST_PG=0 opts out explicitly."""
    return os.environ.get("CONCIERGE_TEST_PG", "1") != "0"


BACKENDS = [SQLITE, POSTGRESQL] if postgres_wanted() else [SQLITE]

_numbers = itertools.count()


class Backend:
    """Where office databases live: ``empty`` and ``template`` make them, ``drop`` ends them."""

    def __init__(self, name: str, cluster: PrivateCluster | None, workdir: Path) -> None:
        self.name = name
        self.cluster = cluster
        self.workdir = workdir

    @property
    def is_sqlite(self) -> bool:
        return self.name == SQLITE

    def empty(self, label: str = "t") -> str:
        """The URL of a new, empty database."""
        return self._new(label, template=None)

    def _new(self, label: str, template: str | None) -> str:
        number = next(_numbers)
        if self.cluster is None:
            path = self.workdir / f"{label}-{number}.sqlite"
            if template is not None:
                shutil.copyfile(template, path)
            return f"sqlite:///{path}"
        name = f"{label}_{number}"
        clause = f" TEMPLATE {template}" if template is not None else ""
        self.cluster.admin(f"CREATE DATABASE {name}{clause}")
        return self.cluster.url(name)

    def template(self, label: str, build: Callable[[str], None]) -> Template:
        """A database built once by ``build(url)``, to copy per test."""
        url = self.empty(f"{label}_tmpl")
        build(url)
        source = url.removeprefix("sqlite:///") if self.cluster is None else url.rsplit("/", 1)[1]
        return Template(self, label, source)

    def drop(self, url: str) -> None:
        if self.cluster is None:
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        else:
            name = url.rsplit("/", 1)[1]
            self.cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Template:
    def __init__(self, backend: Backend, label: str, source: str) -> None:
        self.backend = backend
        self.label = label
        self.source = source

    def copy(self) -> str:
        """The URL of a new database with the template's content."""
        return self.backend._new(self.label, template=self.source)
