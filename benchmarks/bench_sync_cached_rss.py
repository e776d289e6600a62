"""Resident memory of the core with 100,000 cached visits, the board read.

A fresh process opens a store holding 100,000 visits (written through the sync's own
page path) and reads the whole board; its RSS is printed beside the same process with an
empty store (the baseline: interpreter, core modules, SQLite).  Target: <= 250 MB.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import targets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from concierge.protocol import schemas
from concierge.store import Store

VISITS, SITES, PAGE = 100_000, 2_000, 2_000
RSS_LIMIT_MB = 250.0

_MEASURE = """
import sys
from pathlib import Path
from concierge.store import Store
folder = Path(sys.argv[1])
with Store.open(folder / "concierge.sqlite3", folder / "att") as store:
    rows = store.visit_rows()
    rss = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
               if line.startswith("VmRSS:"))
    print(len(rows), rss / 1024)
"""


def _change(seq: int, entity: str, ident: str, data: dict[str, object]) -> schemas.Change:
    return schemas.Change(entity=entity, id=ident, seq=seq, version=1, data=data)  # type: ignore[arg-type]


def _fill(folder: Path) -> None:
    start = datetime(2026, 12, 1, 8, tzinfo=UTC)
    seq = 0
    with Store.open(folder / "concierge.sqlite3", folder / "att") as store:
        changes = []
        for n in range(SITES):
            seq += 1
            changes.append(_change(seq, "site", f"site-{n}", {
                "id": f"site-{n}", "customer_name": f"Customer {n % 400}", "name": f"Plant {n}",
                "address": f"{n} Industrial Road, Springfield"}))
        for n in range(VISITS):
            seq += 1
            begin = start + timedelta(hours=n % 2000)
            changes.append(_change(seq, "visit", f"visit-{n:06d}", {
                "id": f"visit-{n:06d}", "site_id": f"site-{n % SITES}",
                "window_start": begin.isoformat(),
                "window_end": (begin + timedelta(hours=2)).isoformat(),
                "priority": 1 + n % 3, "status": "scheduled" if n % 4 else "done",
                "summary": f"Quarterly inspection of pump line {n % 97} and its controls",
                "asset_ids": [f"asset-{n % 5000}", f"asset-{(n + 1) % 5000}"],
                "updated_at": begin.isoformat()}))
        for i in range(0, len(changes), PAGE):
            page = schemas.PullResponse(changes=changes[i : i + PAGE], cursor=f"c{i}",
                                        has_more=i + PAGE < len(changes))
            store.replication.apply_page(page, report_urgent=False)


def _rss(folder: Path) -> tuple[int, float]:
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(folder)], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    rows, rss = out.stdout.split()
    return int(rows), float(rss)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        full, empty = Path(tmp) / "full", Path(tmp) / "empty"
        _fill(full)
        Store.open(empty / "concierge.sqlite3", empty / "att").close()
        rows, rss = _rss(full)
        _, bare = _rss(empty)
    print(f"board of {rows:,} cached visits read: RSS {rss:.0f} MB (empty store: {bare:.0f} MB)")
    assert rows == VISITS, rows
    targets.check("RSS with 100k cached visits, board read", rss, "MB", at_most=RSS_LIMIT_MB,
                  baseline=f"empty store {bare:.0f} MB")
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
