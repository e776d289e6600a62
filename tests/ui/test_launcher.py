from __future__ import annotations

import os
import subprocess
import sys

import pytest

from concierge.cli import build_parser, parse_gui_args
from ui.launcher import no_display_message
from ui.main_window import MainWindow


def test_no_display_gives_one_clear_line(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}}
    env["CONCIERGE_HOME"] = str(tmp_path)
    env["LC_ALL"] = "C.UTF-8"  # the message below is the English one
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from ui.launcher import main; sys.exit(main([]))"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == no_display_message()
    assert "--screenshot" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.qt
def test_main_window_opens_signed_out(qtbot, bare_context) -> None:
    window = MainWindow(bare_context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.placeholders.showing("signedOut")
    assert window.placeholders.button("signedOut").accessibleName()


HEAVY = ("numpy", "pydantic", "requests", "keyring", "apscheduler", "PySide6")


def _imported_after(code: str, modules: tuple[str, ...] = HEAVY) -> set[str]:
    probe = (f"import sys\n{code}\n"
             f"print(' '.join(m for m in {modules!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)
    return set(done.stdout.split())


def test_parsing_the_command_line_imports_nothing_heavy() -> None:
    """The launcher parses before it knows whether the GUI starts: registering the
    subcommands must not load the core (1.3-1.6 s) nor Qt."""
    assert _imported_after("from ui.launcher import build_parser; build_parser()") == set()


def test_help_lists_the_commands() -> None:
    done = subprocess.run([sys.executable, "-m", "concierge", "--help"], capture_output=True,
                          text=True, timeout=60, check=True)
    for name in ("login", "logout", "sync", "status"):
        assert f"\n    {name} " in done.stdout
    sync_help = subprocess.run([sys.executable, "-m", "concierge", "sync", "--help"],
                               capture_output=True, text=True, timeout=60, check=True)
    assert "--batch-size" in sync_help.stdout and "--page-size" in sync_help.stdout


def test_the_first_paint_path_imports_nothing_heavy() -> None:
    """Before the board's first screen paints, start-up loads Qt and nothing else heavy:
    the first screen is read with sqlite3 alone, settings without pydantic."""
    assert _imported_after("from concierge.store.board import read_first_screen") == set()
    assert _imported_after("import concierge.settings") == set()
    assert _imported_after("import ui.app") == {"PySide6"}


def test_the_store_leaves_the_network_and_numpy_out() -> None:
    """Opening the store (after the first paint) loads no numpy, requests, keyring or
    APScheduler."""
    assert _imported_after("from concierge.store import Store") <= {"pydantic"}


@pytest.mark.parametrize("argv", [
    [], ["--data-dir", "/x", "--lang", "de"], ["--demo", "--screenshot", "b.png", "--view=visit"],
    ["--log-level", "DEBUG", "--data-dir=/y"],
])
def test_a_plain_gui_start_parses_as_the_full_parser_does(argv: list[str]) -> None:
    args = parse_gui_args(argv)
    assert args is not None and args.command is None
    assert args == build_parser().parse_args(argv)


@pytest.mark.parametrize("argv", [
    ["sync"], ["--data-dir", "/x", "status"], ["--help"], ["--version"], ["--lang", "xx"],
    ["--data", "/x"], ["--bogus"], ["--data-dir"],
])
def test_anything_but_a_plain_gui_start_goes_to_the_full_parser(argv: list[str]) -> None:
    assert parse_gui_args(argv) is None


LATER = ("concierge.commands", "importlib.metadata", "platformdirs", "logging.handlers",
         "socket", "concierge.store.telemetry")


def test_the_first_paint_path_leaves_the_rest_for_later() -> None:
    """A plain start up to the board's first paint registers no subcommands, reads no
    version (importlib.metadata), and with --data-dir needs no platformdirs; the log file
    rotates without logging.handlers (socket, pickle) and the board reads no telemetry code."""
    start = ("from ui.launcher import main\n"
             "from concierge.cli import parse_gui_args\n"
             "from concierge.paths import resolve_paths\n"
             "parse_gui_args(['--data-dir', '/tmp/x'])\n"
             "resolve_paths('/tmp/x')\n"
             "import ui.app, ui.main_window, concierge.logs, concierge.crash, ui.single_instance")
    assert _imported_after(start, LATER) == set()


GC_PROBE = """
import gc, sys
import ui.main_window as mw
from ui.launcher import main
build, ready = mw.MainWindow.__init__, mw.MainWindow.store_ready
def init(self, *args, **kwargs):
    print("window built, collecting:", gc.isenabled(), flush=True)
    build(self, *args, **kwargs)
def store_ready(self, parts):
    ready(self, parts)
    print("store open, collecting:", gc.isenabled(), flush=True)
    from PySide6.QtWidgets import QApplication
    QApplication.quit()
mw.MainWindow.__init__, mw.MainWindow.store_ready = init, store_ready
sys.exit(main(["--data-dir", sys.argv[1]]))
"""


def test_the_collector_waits_for_the_first_paint_then_resumes(tmp_path) -> None:
    """Start-up runs without the cyclic collector; once the window is painted (and the
    store opens) it collects again, or cycles would pile up for the whole session."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", GC_PROBE, str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    lines = [line for line in done.stdout.splitlines() if "collecting" in line]
    assert lines == ["window built, collecting: False", "store open, collecting: True"], (
        done.stdout + done.stderr[-2000:])


# Up to the window being built: what a plain start has imported, and which source files
# were read (PySide's per-import scan for its ``__feature__`` reads each module's source).
WINDOW_PROBE = """
import linecache, sys
from importlib.machinery import PathFinder

WATCHED = sys.argv[2].split()


class PatchOnImport:  # the window is patched as its module loads: nothing imported early
    def find_spec(self, name, path, target=None):
        if name != "ui.main_window":
            return None
        sys.meta_path.remove(self)
        spec = PathFinder.find_spec(name, path, target)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            build = module.MainWindow.__init__

            def init(self, *args, **kwargs):
                build(self, *args, **kwargs)
                from PySide6.QtCore import QTimer
                from PySide6.QtWidgets import QApplication

                print("loaded:", *[m for m in WATCHED if m in sys.modules], flush=True)
                print("sources read:", *[f for f in linecache.cache if f.endswith(".py")],
                      flush=True)
                QTimer.singleShot(0, QApplication.quit)

            module.MainWindow.__init__ = init

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, PatchOnImport())
from ui.launcher import main
sys.exit(main(["--data-dir", sys.argv[1]]))
"""
LAZY = ("concierge.store.models", "ui.day_changes", "ui.session.common", "ui.serve.digest",
        "numpy", "pydantic")


def test_building_the_window_reads_no_sources_and_loads_nothing_it_does_not_show(
        tmp_path) -> None:
    """Up to the built window: no store models (only a stand-in sizes the board's status
    column), no day-changes list, digest or session tables (dialogs, opened later); PySide reads
    no module's source file to look for "PySide6" in it (ui.qt_boot)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", WINDOW_PROBE, str(tmp_path), " ".join(LAZY)],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    lines = dict(line.split(":", 1) for line in done.stdout.splitlines()
                 if line.startswith(("loaded:", "sources read:")))
    assert set(lines) == {"loaded", "sources read"}, done.stdout + done.stderr[-2000:]
    assert lines["loaded"].split() == []
    read = lines["sources read"].split()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ours = tuple(os.path.join(root, package, "") for package in ("ui", "concierge"))
    assert not [f for f in read if f.startswith(ours)]
    assert len(read) <= 5, read  # PySide's own start, before ui.qt_boot adjusts it


def test_pyside_modules_are_told_apart_by_their_namespace() -> None:
    """ui.qt_boot's stand-in for PySide's source scan gives the scan's answer: whether
    "PySide6" occurs in the module's source (and so something of it in its namespace)."""
    import importlib
    from pathlib import Path

    from ui.qt_boot import uses_pyside

    for name in ("ui.board.view", "ui.format", "ui.tasks", "ui.app", "concierge.i18n",
                 "concierge.store.board", "concierge.settings", "json"):
        module = importlib.import_module(name)
        assert uses_pyside(module) == ("PySide6" in Path(module.__file__).read_text()), name
