"""Cold start to the first painted board with 10,000 cached visits, and its RSS.

Baseline from the same run: a bare PySide6 QMainWindow, started and painted the
same way.  Each start is a fresh subprocess (offscreen); the figure is the time
from spawning it to the first paint, median of several repeats.  Our modules are
byte-compiled first, as an installed app's are (pip compiles on install) and as
PySide6's own are: a start that compiles source would measure the compiler.
BENCH_QPA=xcb (under a display, e.g. xvfb-run) measures on X11 instead of offscreen.
Targets: start-up <= 1.5 x the baseline; RSS <= 250 MB.
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPEATS = 7
RATIO_LIMIT = 1.5
RSS_LIMIT_MB = 250.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child_bare() -> None:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1280, 800)

    class Painted(QObject):
        def eventFilter(self, _obj, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                print(f"painted {rss_mb():.1f}", flush=True)
                app.quit()
            return False

    probe = Painted()
    window.installEventFilter(probe)
    window.show()
    app.exec()


def child_app(home: str, *extra: str) -> None:
    """The real app start (ui.launcher.main), with a probe on the board table's first
    paint with rows (its first screen, or the whole board if that comes first).  The
    probe is patched into ``MainWindow`` as its module loads, so nothing of the app is
    imported ahead of its own start-up."""
    import importlib.abc
    import importlib.util

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from PySide6.QtWidgets import QApplication

    from ui.launcher import main

    def painted() -> None:
        print(f"painted {rss_mb():.1f} {time.process_time() * 1000:.1f}", flush=True)
        QApplication.quit()

    def patch(window_class) -> None:
        build = window_class.__init__

        def probed(self, *args, **kwargs) -> None:
            build(self, *args, **kwargs)
            self.board.table.first_painted.connect(painted)  # rows painted, first time

        window_class.__init__ = probed

    class PatchOnImport(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "ui.main_window":
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            run = spec.loader.exec_module

            def exec_module(module) -> None:
                run(module)
                patch(module.MainWindow)

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, PatchOnImport())
    main(["--data-dir", home, *extra])


def measure(mode: str, home: str) -> tuple[float, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("BENCH_QPA", "offscreen")}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", mode, home], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = (time.perf_counter() - start) * 1000
    proc.wait(timeout=60)
    if not line.startswith("painted"):
        raise RuntimeError(f"{mode} start did not paint (exit {proc.returncode})")
    return elapsed, float(line.split()[1])


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_ui_fixture import VISITS, synced_home

    home = str(synced_home())
    root = Path(__file__).resolve().parents[1]
    for package in ("concierge", "ui"):
        compileall.compile_dir(root / package, quiet=1)
    results: dict[str, list[tuple[float, float]]] = {"bare": [], "app": []}
    for _ in range(REPEATS):  # interleaved, so drift hits both alike
        for mode, runs in results.items():
            runs.append(measure(mode, home))
    bare_ms = statistics.median(t for t, _ in results["bare"])
    app_ms = statistics.median(t for t, _ in results["app"])
    bare_rss = statistics.median(r for _, r in results["bare"])
    app_rss = statistics.median(r for _, r in results["app"])
    ratio = app_ms / bare_ms
    print(f"baseline: bare QMainWindow       first paint median {bare_ms:7.1f} ms, "
          f"RSS {bare_rss:6.1f} MB")
    print(f"Field Concierge, {VISITS:,} visits  first board paint median {app_ms:7.1f} ms, "
          f"RSS {app_rss:6.1f} MB  ({REPEATS} runs each)")
    ok = ratio <= RATIO_LIMIT and app_rss <= RSS_LIMIT_MB
    print(f"ratio {ratio:.2f} (target <= {RATIO_LIMIT}), RSS target <= {RSS_LIMIT_MB:.0f} MB: "
          f"{'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_bare() if sys.argv[2] == "bare" else child_app(*sys.argv[3:])
    else:
        sys.exit(main())
