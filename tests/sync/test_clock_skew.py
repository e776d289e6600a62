"""A client clock off by a day either way changes nothing: the server cursor decides."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from concierge.store import Store
from tests.sync.cli_helpers import concierge
from tests.sync.conftest import DEMO_TECH, Office, local_visits

pytestmark = pytest.mark.keyring

DAY = 86_400


def skewed_python(offset: float) -> list[str]:
    """The CLI in a process whose wall clock (time.time) is off by ``offset`` seconds."""
    code = (
        "import sys, time; _real = time.time; "
        f"time.time = lambda: _real() + {offset!r}; "
        "from concierge.cli import main; sys.exit(main())"
    )
    return [sys.executable, "-c", code]


def _state(data: Path) -> tuple[dict[str, object], str | None, dict[str, np.ndarray]]:
    with Store.open(data / "data" / "concierge.sqlite3", data / "data" / "attachments") as store:
        visits = local_visits(store)
        series = {}
        for visit_id in sorted(visits):
            for asset in store.assets_for_visit(visit_id):
                for metric in store.metrics_for_asset(asset.id):
                    window = store.telemetry(asset.id, metric)
                    series[f"{asset.id}/{metric}"] = window.mean[-200:]
        return visits, store.status().cursor, series


def test_client_clock_off_by_a_day_changes_nothing(office: Office, tmp_path: Path) -> None:
    laptops = {offset: tmp_path / f"clock{offset:+d}" for offset in (0, -DAY, +DAY)}
    for offset, data in laptops.items():
        python = skewed_python(offset)
        concierge(data, "login", "--server", office.url, "--user", DEMO_TECH, python=python)
        concierge(data, "sync", "--once", python=python)
        with Store.open(data / "data" / "concierge.sqlite3", data / "data" / "attachments") as s:
            visit_id = sorted(r.id for r in s.visit_rows() if r.status == "scheduled")[offset % 3]
            s.update_visit(visit_id, technician_notes=f"clock {offset:+d}")
        concierge(data, "sync", "--once", python=python)
        assert office.server_visits(DEMO_TECH)[visit_id]["technician_notes"] == f"clock {offset:+d}"
    for offset, data in laptops.items():
        concierge(data, "sync", "--once", python=skewed_python(offset))
    server = office.server_visits(DEMO_TECH)
    reference = _state(laptops[0])
    assert reference[0] == server and reference[2]
    for offset in (-DAY, +DAY):
        visits, cursor, series = _state(laptops[offset])
        assert visits == server and cursor == reference[1]
        assert series.keys() == reference[2].keys()
        for key, values in series.items():
            assert np.array_equal(values, reference[2][key]), key
