"""The backup drill of docs/deploy.md on the private cluster: pg_dump -Fc, pg_restore into
a new database, and the office serves the restored data."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests

from concierge_office.db import Database
from concierge_office.demo_fleet import DEMO_PASSWORD
from concierge_office.server import start_embedded
from tests.office.conftest import Api
from tests.pgcluster import PrivateCluster

COUNTED = ("users", "visits", "telemetry", "changes", "feed", "alembic_version")


def _counts(url: str) -> dict[str, int]:
    database = Database(url)
    try:
        with database.read() as conn:
            return {
                name: conn.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar_one()
                for name in COUNTED
            }
    finally:
        database.dispose()


@pytest.mark.postgresql
def test_pg_dump_and_pg_restore_give_back_a_working_office(
    pg_cluster: PrivateCluster, tmp_path: Path
) -> None:
    name, restored = "office_backup_source", "office_backup_restored"
    pg_cluster.admin(f"CREATE DATABASE {name}", f"CREATE DATABASE {restored}")
    source, restored_url = pg_cluster.url(name), pg_cluster.url(restored)
    try:
        start_embedded(source, live=False).stop()  # a demo office's complete data
        dump = tmp_path / "office.dump"
        flags = ["-h", "127.0.0.1", "-p", str(pg_cluster.port), "-U", "postgres"]
        subprocess.run([str(pg_cluster.bindir / "pg_dump"), *flags, "-Fc", "-f", str(dump), name],
                       check=True, capture_output=True, timeout=300)
        subprocess.run([str(pg_cluster.bindir / "pg_restore"), *flags, "--no-owner", "-d",
                        restored, str(dump)], check=True, capture_output=True, timeout=300)
        before = _counts(source)
        assert before["telemetry"] > 0 and before["alembic_version"] == 1
        assert _counts(restored_url) == before
        with start_embedded(restored_url, live=False) as office:
            ready = requests.get(f"{office.url}/readyz", timeout=30)
            assert ready.status_code == 200, ready.text
            ana = Api(office.url, "ana", DEMO_PASSWORD)
            try:
                changes, _ = ana.pull_all()
                assert any(c["entity"] == "visit" for c in changes)
            finally:
                ana.close()
    finally:
        pg_cluster.admin(f"DROP DATABASE IF EXISTS {restored} WITH (FORCE)",
                         f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
