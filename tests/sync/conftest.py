"""Fixtures for the sync suite: a real back office on loopback, real SQLite stores.

A demo back office database (plus a bulk technician with more visits) is built once
per session and backend (SQLite, the private PostgreSQL cluster); each test gets its
own copy, so offices start in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text

from concierge.auth import Account, MemoryTokenStore, TokenStore
from concierge.protocol.schemas import SYNC_FEATURES_HEADER, TEXT_CODES
from concierge.store import Store
from concierge.sync import SyncEngine, SyncOptions
from concierge_office.db import Database
from concierge_office.demo_fleet import (
    ADMIN_LOGIN,
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    DEMO_TECHNICIANS,
    seed_bulk,
)
from concierge_office.server import EmbeddedBackOffice, start_embedded
from tests.officedb import Backend, Template

BULK_TECH = "dora"
DEMO_TECH = DEMO_TECHNICIANS[0]
PASSWORD = DEMO_PASSWORD


def _build_template(url: str) -> None:
    with start_embedded(url, live=False):
        pass
    seed_bulk(url, technician_login=BULK_TECH, visits=60, assets=24,
              telemetry_assets=4, telemetry_days=2, step_seconds=3600)


@pytest.fixture(scope="session")
def office_template(office_backend: Backend) -> Template:
    return office_backend.template("sync", _build_template)


class Office:
    """A back office on a private copy of the template database; restartable."""

    def __init__(self, database_url: str, **options: Any) -> None:
        self.database_url = database_url
        self.options = {"live": False, **options}
        self.port = 0
        self.server: EmbeddedBackOffice | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = start_embedded(self.database_url, port=self.port, **self.options)
        self.port = self.server.port

    def execute(self, sql: str, **params: Any) -> None:
        """Write to the office's database behind its back (a test's sabotage)."""
        database = Database(self.database_url)
        try:
            with database.engine.begin() as conn:
                conn.execute(text(sql), params)
        finally:
            database.dispose()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def admin(self) -> requests.Session:
        session = requests.Session()
        reply = session.post(f"{self.url}/v1/auth/login",
                             json={"username": ADMIN_LOGIN, "password": ADMIN_PASSWORD}, timeout=10)
        reply.raise_for_status()
        session.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
        return session

    def admin_get(self, path: str) -> Any:
        with self.admin() as session:
            reply = session.get(f"{self.url}/v1{path}", timeout=10)
            reply.raise_for_status()
            return reply.json()

    def patch_visit(self, visit_id: str, **fields: Any) -> dict[str, Any]:
        with self.admin() as session:
            reply = session.patch(f"{self.url}/v1/admin/visits/{visit_id}", json=fields, timeout=10)
            reply.raise_for_status()
            return dict(reply.json())

    def session(self, login: str) -> requests.Session:
        """A plain HTTP session signed in as a technician (an older client, say)."""
        session = requests.Session()
        token = session.post(f"{self.url}/v1/auth/login",
                             json={"username": login, "password": PASSWORD},
                             timeout=10).json()["access_token"]
        session.headers["Authorization"] = f"Bearer {token}"
        return session

    def server_visits(self, login: str) -> dict[str, dict[str, Any]]:
        """The technician's visits as the server has them (a fresh full pull)."""
        with self.session(login) as session:
            session.headers[SYNC_FEATURES_HEADER] = TEXT_CODES  # as the laptop reads records
            found: dict[str, dict[str, Any]] = {}
            cursor = None
            while True:
                params: dict[str, Any] = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
                page = session.get(f"{self.url}/v1/sync/changes", params=params, timeout=30).json()
                for change in page["changes"]:
                    if change["entity"] == "visit" and not change["deleted"]:
                        found[change["id"]] = change["data"]
                cursor = page["cursor"]
                if not page["has_more"]:
                    return found


@pytest.fixture
def office_factory(office_template: Template) -> Iterator[Callable[..., Office]]:
    offices: list[Office] = []

    def make(**options: Any) -> Office:
        office = Office(office_template.copy(), **options)
        offices.append(office)
        return office

    yield make
    for office in offices:
        office.stop()
        office_template.backend.drop(office.database_url)


@pytest.fixture
def office(office_factory: Callable[..., Office]) -> Office:
    return office_factory()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "laptop" / "concierge.sqlite3", tmp_path / "laptop" / "att") as s:
        yield s


class Laptop:
    """A store signed in to an office, with an engine."""

    def __init__(self, store: Store, office: Office, login: str, tokens: TokenStore, *,
                 options: SyncOptions | None = None, url: str | None = None) -> None:
        self.store = store
        self.account = Account(store, tokens)
        self.account.sign_in(url or office.url, login, PASSWORD)
        self.client = self.account.client()
        self.engine = SyncEngine(store, self.client, options)

    def sync(self) -> Any:
        return self.engine.run_once()

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def laptop_factory(store: Store) -> Iterator[Callable[..., Laptop]]:
    made: list[Laptop] = []

    def make(office: Office, login: str = DEMO_TECH, **kwargs: Any) -> Laptop:
        tokens = kwargs.pop("tokens", MemoryTokenStore())
        laptop = Laptop(store, office, login, tokens, **kwargs)
        made.append(laptop)
        return laptop

    yield make
    for laptop in made:
        laptop.close()


@pytest.fixture
def laptop(laptop_factory: Callable[..., Laptop], office: Office) -> Laptop:
    return laptop_factory(office)


def local_visits(store: Store) -> dict[str, dict[str, Any]]:
    return {
        row.id: visit.model_dump(mode="json")
        for row in store.visit_rows()
        if (visit := store.visit(row.id)) is not None
    }
