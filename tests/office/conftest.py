"""Fixtures: real back offices on 127.0.0.1 and logged-in HTTP clients.

Every office runs on its own copy of one demo database built (cold, by
``start_embedded``) once per session and backend: each test runs on SQLite and on
the private PostgreSQL cluster (tests/conftest.py ``office_backend``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from concierge.protocol import schemas
from concierge_office.demo_fleet import ADMIN_LOGIN, ADMIN_PASSWORD, DEMO_PASSWORD
from concierge_office.server import EmbeddedBackOffice, start_embedded
from tests.officedb import Backend, Template


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

    def reads_like_the_laptop(self) -> Api:
        """Announce the pull additions this version's laptop reads (without: an older one)."""
        self.http.headers[schemas.SYNC_FEATURES_HEADER] = schemas.SYNC_FEATURES
        return self

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


@pytest.fixture(scope="session")
def demo_database(office_backend: Backend) -> Template:
    """A complete demo database: a cold ``start_embedded`` then ``stop`` leaves it behind."""
    return office_backend.template(
        "demo", lambda url: start_embedded(url, live=False).stop()
    )


@contextmanager
def demo_office(template: Template, **options: Any) -> Iterator[EmbeddedBackOffice]:
    """A demo back office (no background jobs unless ``live=True``) on a copy of ``template``."""
    url = template.copy()
    try:
        with start_embedded(url, **{"live": False, **options}) as bo:
            yield bo
    finally:
        template.backend.drop(url)


@pytest.fixture
def empty_database(office_backend: Backend) -> Iterator[str]:
    """The URL of an empty database of its own on the test's backend."""
    url = office_backend.empty()
    yield url
    office_backend.drop(url)


@pytest.fixture(scope="module")
def office(demo_database: Template) -> Iterator[EmbeddedBackOffice]:
    """A demo back office shared by a module's read-mostly tests."""
    with demo_office(demo_database) as bo:
        yield bo


@pytest.fixture
def fresh_office(demo_database: Template) -> Iterator[EmbeddedBackOffice]:
    """A demo back office of its own, for tests that change data."""
    with demo_office(demo_database) as bo:
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
