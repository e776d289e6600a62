"""The board scrolled end to end over 100,000 cached visits: the GUI thread's stall per step.

A store holding 100,000 visits (written through the sync's own page path) is read as the
app reads it (``visit_rows`` and ``prepare_rows``, a worker's job in the app) into the real
board (``ui.board.BoardView``, 1280x800, offscreen).  Then the table is scrolled from the
first row to the last a page at a time, as PageDown or a scroll-bar drag does, and then
back to the top in one jump (Ctrl+Home); each step is timed from the scroll until the
rows are painted and the event queue is empty: what the GUI thread was busy with.

Two clocks per step: the wall clock (what the person waits) and the GUI thread's own CPU
time (the work the app does).  On a shared machine the wall clock's longest step also
holds the time other processes had the CPU (the load average is printed), so the
longest-stall target is on the thread's CPU time and the median on the wall clock.

Baseline, same run, same window: the same scroll over a board of 1,000 visits (what the
view costs without the size), and an empty event-loop turn.  Target: see ``targets``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import targets

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sync_cached_rss import VISITS
from bench_sync_cached_rss import _fill as fill_store
from PySide6.QtWidgets import QApplication

from concierge.store import Store
from ui.board.model import prepare_rows
from ui.board.view import BoardView

SMALL = 1_000


@dataclass
class Steps:
    wall: list[float] = field(default_factory=list)  # ms
    cpu: list[float] = field(default_factory=list)  # ms of the GUI thread's CPU time

    def time(self, step: Callable[[], object]) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        step()
        self.cpu.append((time.thread_time() - cpu) * 1000)
        self.wall.append((time.perf_counter() - wall) * 1000)

    def line(self, name: str) -> str:
        wall = sorted(self.wall)
        return (f"{name:<32} wall median {statistics.median(wall):6.2f} ms, "
                f"p99 {wall[int(len(wall) * 0.99)]:6.2f}, max {wall[-1]:6.2f}; "
                f"GUI thread CPU median {statistics.median(self.cpu):6.2f}, max "
                f"{max(self.cpu):6.2f} ms ({len(wall):,} steps)")


def scroll_end_to_end(app: QApplication, board: BoardView) -> Steps:
    bar = board.table.verticalScrollBar()
    bar.setValue(0)
    app.processEvents()
    steps = Steps()

    def to(value: int) -> None:
        bar.setValue(value)
        board.table.viewport().repaint()
        app.processEvents()

    for value in range(bar.pageStep(), bar.maximum() + bar.pageStep(), bar.pageStep()):
        steps.time(lambda v=value: to(v))
    assert bar.value() == bar.maximum(), (bar.value(), bar.maximum())
    steps.time(lambda: to(0))  # back to the top in one jump
    return steps


def idle_turns(app: QApplication, count: int = 500) -> Steps:
    steps = Steps()
    for _ in range(count):
        steps.time(app.processEvents)
    return steps


def main() -> int:
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        fill_store(folder)
        with Store.open(folder / "concierge.sqlite3", folder / "att") as store:
            rows = store.visit_rows()
        print(f"store of {len(rows):,} visits written and read in "
              f"{time.perf_counter() - started:.1f} s")
    assert len(rows) == VISITS, len(rows)
    board = BoardView()
    board.resize(1280, 800)
    board.show()
    app.processEvents()

    board.set_rows(prepare_rows(rows[:SMALL]))
    app.processEvents()
    small = scroll_end_to_end(app, board)
    started = time.perf_counter()
    board.set_rows(prepare_rows(rows))
    app.processEvents()
    print(f"board filled with {board.model.rowCount():,} rows in "
          f"{(time.perf_counter() - started) * 1000:.0f} ms (preparing included: a worker's "
          "job in the app)")
    large = scroll_end_to_end(app, board)
    idle = idle_turns(app)
    board.close()

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(small.line(f"baseline: {SMALL:,} visits"))
    print(idle.line("baseline: empty event-loop turn"))
    print(large.line(f"board scroll, {VISITS:,} visits"))
    targets.check("board scroll, 100k visits: step (median)", statistics.median(large.wall),
                  "ms", at_most=targets.BOARD_SCROLL_MEDIAN_MS,
                  baseline=f"{SMALL:,} visits {statistics.median(small.wall):.2f} ms")
    targets.check("board scroll, 100k visits: longest stall (GUI CPU)", max(large.cpu), "ms",
                  at_most=targets.BOARD_SCROLL_MAX_MS,
                  baseline=f"{SMALL:,} visits {max(small.cpu):.2f} ms; wall max "
                           f"{max(large.wall):.1f} ms at load {os.getloadavg()[0]:.1f}")
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
