"""The private PostgreSQL cluster of the test run fails loudly when PostgreSQL is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pgcluster import PostgresMissing, PrivateCluster, server_bindir


def test_missing_server_binaries_are_an_error_that_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONCIERGE_PG_BINDIR", str(tmp_path))
    with pytest.raises(PostgresMissing, match=r"apt-get install postgresql.*CONCIERGE_TEST_PG=0"):
        server_bindir()


@pytest.mark.postgresql
def test_the_cluster_listens_on_loopback_only(pg_cluster: PrivateCluster) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=pg_cluster.port, user="postgres") as conn:
        listen = conn.execute("SHOW listen_addresses").fetchone()
        fsync = conn.execute("SHOW fsync").fetchone()
    assert listen == ("127.0.0.1",) and fsync == ("off",)
    assert len(str(pg_cluster.sockets)) < 90  # unix socket paths are limited to 108 bytes
