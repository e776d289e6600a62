"""Fixtures: real back offices on 127.0.0.1 and logged-in HTTP clients.

By default every office runs on its own copy of one demo SQLite database built
(cold, by ``start_embedded``) once per session.  With CONCIERGE_TEST_DATABASE_URL
set (e.g. ``postgresql+psycopg://concierge:concierge@127.0.0.1/concierge_test``)
every office instead starts cold on that database, emptied first.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from concierge_office import db
from concierge_office.demo_fleet import ADMIN_LOGIN, ADMIN_PASSWORD, DEMO_PASSWORD
from concierge_office.server import EmbeddedBackOffice, start_embedded

EXTERNAL_DATABASE = os.environ.get("CONCIERGE_TEST_DATABASE_URL")


class Api:
    """A logged-in client of one back office."""

    def __init__(self, url: str, login: str, password: str) -> None:
        self.url = url
        self.http = requests.Session()
        response = self.http.post(
            f"{url}/v1/auth/login", json={"username": login, "password": password}
        )
        assert response.status_code == 200, response.text
        self.tokens = response.json()
        self.user = self.tokens["user"]
        self.http.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, f"{self.url}{path}", timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        assert response.status_code in (200, 201), f"{response.status_code}: {response.text}"
        return response.json()

    def pull_all(
        self, cursor: str | None = None, limit: int = 500
    ) -> tuple[list[dict[str, Any]], str]:
        changes: list[dict[str, Any]] = []
        while True:
            params: dict[str, Any] = {"limit": limit}
            if cursor:
                params["cursor"] = cursor
            page = self.ok("GET", "/v1/sync/changes", params=params)
            changes.extend(page["changes"])
            cursor = page["cursor"]
            if not page["has_more"]:
                return changes, cursor

    def push(self, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
        return self.ok("POST", "/v1/sync/push", json={"mutations": list(mutations)})["results"]  # type: ignore[no-any-return]

    def close(self) -> None:
        self.http.close()


def mutation(
    entity: str,
    entity_id: str,
    base_version: int | None,
    payload: dict[str, Any],
    op_id: str | None = None,
) -> dict[str, Any]:
    return {
        "op_id": op_id or str(uuid.uuid4()),
        "entity": entity,
        "entity_id": entity_id,
        "base_version": base_version,
        "payload": payload,
        "made_at": datetime.now(UTC).isoformat(),
    }


def empty_external_database() -> str:
    """The external test database (CONCIERGE_TEST_DATABASE_URL), with no tables."""
    assert EXTERNAL_DATABASE is not None
    database = db.Database(EXTERNAL_DATABASE)
    try:
        db.metadata.drop_all(database.engine)
    finally:
        database.dispose()
    return EXTERNAL_DATABASE


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete demo database: a cold ``start_embedded`` then ``stop`` leaves it behind."""
    path = tmp_path_factory.mktemp("demo-office") / "backoffice.sqlite"
    if EXTERNAL_DATABASE is None:
        start_embedded(f"sqlite:///{path}", live=False).stop()
    return path


@contextmanager
def demo_office(template: Path, copy: Path, **options: Any) -> Iterator[EmbeddedBackOffice]:
    """A demo back office (no background jobs unless ``live=True``) on a copy of ``template``."""
    if EXTERNAL_DATABASE is not None:
        url = empty_external_database()
    else:
        shutil.copyfile(template, copy)
        url = f"sqlite:///{copy}"
    with start_embedded(url, **{"live": False, **options}) as bo:
        yield bo


@pytest.fixture(scope="module")
def office(
    demo_database: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EmbeddedBackOffice]:
    """A demo back office shared by a module's read-mostly tests."""
    with demo_office(demo_database, tmp_path_factory.mktemp("office") / "office.sqlite") as bo:
        yield bo


@pytest.fixture
def fresh_office(demo_database: Path, tmp_path: Path) -> Iterator[EmbeddedBackOffice]:
    """A demo back office of its own, for tests that change data."""
    with demo_office(demo_database, tmp_path / "office.sqlite") as bo:
        yield bo


LoginFactory = Callable[[EmbeddedBackOffice, str], Api]


@pytest.fixture
def login() -> Iterator[LoginFactory]:
    clients: list[Api] = []

    def make(bo: EmbeddedBackOffice, who: str) -> Api:
        password = ADMIN_PASSWORD if who == ADMIN_LOGIN else DEMO_PASSWORD
        client = Api(bo.url, who, password)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
