"""Shared set-up of the UI benchmarks: a back office with 10,000 visits for one technician,
and a laptop data folder that has synced them all.  Run alone, it builds both and reports.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.exc import SADeprecationWarning

from concierge.auth import Account, MemoryTokenStore
from concierge.paths import resolve_paths
from concierge.store import Store
from concierge.sync import SyncEngine
from concierge_office.bulk import seed_bulk
from concierge_office.demo_fleet import DEMO_PASSWORD
from concierge_office.server import start_embedded

VISITS = 10_000
TECH = "dora"
ROOT = Path(tempfile.gettempdir()) / f"concierge-bench-ui-{VISITS}"


def office_db() -> Path:
    """A back-office database with the demo fleet plus ``VISITS`` visits for ``TECH``."""
    path = ROOT / "backoffice.sqlite"
    if not path.exists():
        ROOT.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SADeprecationWarning)
            with start_embedded(f"sqlite:///{partial}", live=False):
                pass
        seed_bulk(f"sqlite:///{partial}", technician_login=TECH, visits=VISITS, assets=400,
                  telemetry_assets=4, telemetry_days=2, step_seconds=3600)
        partial.rename(path)
    return path


def fresh_office_db() -> str:
    """A private copy of the office database (a sync changes it); returns its URL."""
    copy = Path(tempfile.mkdtemp(prefix="concierge-bench-office-")) / "backoffice.sqlite"
    shutil.copyfile(office_db(), copy)
    return f"sqlite:///{copy}"


def synced_home() -> Path:
    """A CONCIERGE_HOME whose store holds all ``VISITS`` visits (the office is gone again)."""
    home = ROOT / "home"
    if not (home / "synced").exists():
        shutil.rmtree(home, ignore_errors=True)
        paths = resolve_paths(home).ensure()
        with start_embedded(fresh_office_db(), live=False) as office, \
                Store.open(paths.store_file, paths.attachments) as store:
            account = Account(store, MemoryTokenStore())
            account.sign_in(office.url, TECH, DEMO_PASSWORD)
            with account.client() as client:
                result = SyncEngine(store, client).run_once()
            if not result.ok:
                raise RuntimeError(f"bench sync failed: {result.error}")
        (home / "synced").touch()
    return home


def main() -> int:
    start = time.perf_counter()
    home = synced_home()
    with Store.open(resolve_paths(home).store_file, home / "att") as store:
        rows = len(store.visit_rows())
    print(f"bench fixture: {rows:,} cached visits in {home} "
          f"(ready in {time.perf_counter() - start:.1f} s)")
    return 0 if rows >= VISITS else 1


if __name__ == "__main__":
    sys.exit(main())
