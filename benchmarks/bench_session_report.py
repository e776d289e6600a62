"""Generating the customer's report PDF (content + layout + chart + signature): <= 1 s."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import targets

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_session_common import NOW_DT, fleet_store, ms
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QPainter, QPdfWriter
from PySide6.QtWidgets import QApplication

from concierge.session.engine import SessionEngine
from ui.session.report_pdf import render_pdf

RUNS = 10
LIMIT_MS = 1000.0


def trivial_page() -> None:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    painter = QPainter(writer)
    painter.drawText(100, 100, "Hello")
    painter.end()


def main() -> int:
    QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        store = fleet_store(Path(tmp) / "fleet")
        e = SessionEngine(store, "visit-1", clock=lambda: NOW_DT)
        e.set_wish_text("Quieter doors, faster mornings")
        for item in e.doc.checklist:
            if item.type == "check":
                e.set_check(item.id, True)
        for a in e.assets:
            e.add_after(a.id, "door_cycle_time", "4.2")
            e.add_after(a.id, "motor_temp", "58")
        e.add_stroke([(0.01 * i, 0.5 + 0.1 * (i % 3)) for i in range(80)])
        e.set_rating(5)
        base, report = [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            trivial_page()
            base.append(time.perf_counter() - start)
            start = time.perf_counter()
            pdf = render_pdf(e.report_content())
            report.append(time.perf_counter() - start)
        store.close()
    median = sorted(report)[RUNS // 2] * 1000
    print(f"baseline: trivial QPdfWriter page  {ms(base)}")
    print(f"session report ({len(pdf) // 1024} KiB)       {ms(report)}")
    targets.check("session report PDF (median)", median, "ms", at_most=LIMIT_MS,
                  baseline=f"trivial QPdfWriter page {ms(base)}")
    return targets.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
