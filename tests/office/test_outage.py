"""The database stops mid-service: 503 with Retry-After (never a 500), then recovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from concierge_office.bootstrap import create_admin
from concierge_office.db import Database
from concierge_office.server import start_embedded
from tests.office.conftest import Api
from tests.officedb import POSTGRESQL, Backend
from tests.pgcluster import PrivateCluster

PASSWORD = "a long admin password"


@pytest.mark.postgresql
def test_the_database_going_away_gives_503_and_the_office_recovers(
    pg_cluster: PrivateCluster, tmp_path: Path
) -> None:
    backend = Backend(POSTGRESQL, pg_cluster, tmp_path)
    url = backend.empty("outage")
    database = Database(url)
    database.create_schema()
    create_admin(database, "boss", PASSWORD)
    database.dispose()
    try:
        with start_embedded(url, demo=False, live=False) as office:
            boss = Api(office.url, "boss", PASSWORD)
            try:
                assert boss.get("/v1/visits").status_code == 200
                pg_cluster.stop()
                try:
                    for path in ("/v1/visits", "/v1/sync/changes", "/v1/admin/stats"):
                        down = boss.get(path)
                        assert down.status_code == 503, down.text
                        assert down.headers["Retry-After"] == "5"
                        assert down.json()["error"]["code"] == "database_unavailable"
                    login = boss.http.post(f"{office.url}/v1/auth/login", timeout=30,
                                           json={"username": "boss", "password": PASSWORD})
                    assert login.status_code == 503
                    ready = boss.http.get(f"{office.url}/readyz", timeout=30)
                    assert ready.status_code == 503 and not ready.json()["checks"]["database"]
                finally:
                    pg_cluster.start()
                assert boss.get("/v1/visits").status_code == 200
                assert boss.http.get(f"{office.url}/readyz", timeout=30).status_code == 200
            finally:
                boss.close()
    finally:
        backend.drop(url)
