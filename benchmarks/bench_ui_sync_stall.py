"""Longest GUI-thread stall while a full initial sync of 10,000 visits runs.

An event-loop latency probe (a 5 ms QTimer; lateness = gap beyond 5 ms) runs
while the app's window performs its first sync against an embedded back
office.  Baseline from the same run: the same probe on the same window with no
sync running.  Target: longest stall <= 50 ms.

The back office runs in this process, as in ``--demo``; its request threads then
compete for the GIL too (~3 s of CPU while serving the 10,000 visits, more than
the app's own threads).  ``--office-subprocess`` runs it in its own process, as a
technician's app meets it (a server elsewhere).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import targets

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ui_fixture import TECH, VISITS, fresh_office_db
from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from concierge.paths import resolve_paths
from concierge.settings import Settings
from concierge_office.demo_fleet import DEMO_PASSWORD
from concierge_office.server import start_embedded
from ui import core
from ui.bridge import CoreBridge
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.tasks import TaskManager

INTERVAL_MS = 5
STALL_LIMIT_MS = 50.0


class Probe:
    """Records how late each 5 ms tick fires."""

    def __init__(self) -> None:
        self.timer = QTimer(interval=INTERVAL_MS)
        self.clock = QElapsedTimer()
        self.late: list[float] = []
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.late.clear()
        self.clock.start()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        gap = self.clock.nsecsElapsed() / 1e6
        self.clock.restart()
        self.late.append(max(0.0, gap - INTERVAL_MS))


def wait(signal, timeout_ms: int) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


OFFICE = """
import sys
from concierge_office.server import start_embedded
office = start_embedded(sys.argv[1], live=False)
print(office.url, flush=True)
sys.stdin.read()
office.stop()
"""


@contextmanager
def office_url(in_process: bool) -> Iterator[str]:
    if in_process:
        office = start_embedded(fresh_office_db(), live=False)
        try:
            yield office.url
        finally:
            office.stop()
        return
    root = str(Path(__file__).resolve().parents[1])
    with subprocess.Popen([sys.executable, "-c", OFFICE, fresh_office_db()], cwd=root,
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONPATH": root}) as process:
        assert process.stdout is not None and process.stdin is not None
        try:
            yield process.stdout.readline().strip()
        finally:
            process.stdin.close()
            process.wait(timeout=60)


def main() -> int:
    in_process = "--office-subprocess" not in sys.argv
    with office_url(in_process) as url:
        return run(url, in_process)


def run(url: str, in_process: bool) -> int:
    app = QApplication.instance() or QApplication([])
    home = tempfile.mkdtemp(prefix="concierge-bench-stall-")
    paths = resolve_paths(home).ensure()
    ctx = AppContext(paths, Settings(server_url=url), TaskManager(), CoreBridge())
    window = MainWindow(ctx)
    window.resize(1280, 800)
    window.show()
    parts = core.open_core(paths)
    parts.user = parts.account.sign_in(url, TECH, DEMO_PASSWORD)
    window.core_ready(parts, start_sync=False)
    wait(window.board_loaded, 10_000)
    probe = Probe()

    probe.start()
    idle_start = time.perf_counter()
    QTimer.singleShot(3000, app.quit)
    app.exec()
    probe.stop()
    idle = list(probe.late)
    idle_s = time.perf_counter() - idle_start

    finished: list[object] = []
    ctx.bridge.sync_finished.connect(finished.append)
    probe.start()
    start = time.perf_counter()
    core.start_sync(ctx)
    wait(ctx.bridge.sync_finished, 600_000)
    sync_s = time.perf_counter() - start
    wait(window.board_loaded, 10_000)  # the board refresh after the sync is part of it
    probe.stop()
    during = list(probe.late)
    rows = window.board.model.rowCount()
    ok_sync = bool(finished) and getattr(finished[0], "ok", False)

    window.close()
    core.close_core(ctx)
    print(f"baseline: idle event loop        longest stall {max(idle):6.1f} ms "
          f"({len(idle)} ticks over {idle_s:.1f} s)")
    where = "office in this process" if in_process else "office in its own process"
    print(f"({where})")
    print(f"full initial sync, {VISITS:,} visits longest stall {max(during):6.1f} ms, "
          f"p99 {sorted(during)[int(len(during) * 0.99)]:5.1f} ms ({len(during)} ticks over "
          f"{sync_s:.1f} s; sync ok={ok_sync}, board rows {rows:,})")
    if not (ok_sync and rows >= VISITS):
        print("the sync did not complete: no figure")
        return 1
    targets.check("GUI stall during a full sync (max)", max(during), "ms",
                  at_most=STALL_LIMIT_MS, baseline=f"idle loop {max(idle):.1f} ms")
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
