"""Opening a session (5 assets, 14 days of cached telemetry) to its first step: <= 200 ms."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_session_common import fleet_store, ms
from PySide6.QtWidgets import QApplication, QWidget

from ui.session import SessionWindow

RUNS = 12
LIMIT_MS = 200.0


def main() -> int:
    app = QApplication.instance() or QApplication([])
    bare: list[float] = []
    for _ in range(RUNS):
        start = time.perf_counter()
        w = QWidget()
        w.resize(1180, 780)
        w.show()
        app.processEvents()
        bare.append(time.perf_counter() - start)
        w.close()
    with tempfile.TemporaryDirectory() as tmp:
        stores = [fleet_store(Path(tmp) / str(n)) for n in range(RUNS)]
        new, resumed = [], []
        for store in stores:
            for bucket in (new, resumed):  # first open creates, the second resumes
                start = time.perf_counter()
                w = SessionWindow(store, "visit-1")
                w.show()
                app.processEvents()
                bucket.append(time.perf_counter() - start)
                w.close()
                w.deleteLater()
                app.processEvents()
            store.close()
    print(f"baseline: bare QWidget show     {ms(bare)}")
    print(f"open a new session (baseline)   {ms(new)}")
    print(f"resume a session                {ms(resumed)}")
    worst = max(sorted(new)[len(new) // 2], sorted(resumed)[len(resumed) // 2]) * 1000
    print(f"limit {LIMIT_MS:.0f} ms (median): {'OK' if worst <= LIMIT_MS else 'TOO SLOW'}")
    return 0 if worst <= LIMIT_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
