# SPDX-License-Identifier: Apache-2.0
"""The ``concierge`` entry point: headless subcommands, or the GUI.

Qt is imported only when the GUI starts, so headless commands work without a
display (and without PySide6).
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence

from concierge.cli import build_parser, choose_language, parse_gui_args, run_command
from concierge.i18n import _


def no_display_message() -> str:
    return _("No display found (DISPLAY and WAYLAND_DISPLAY are unset). To see the app "
             "headless, render it offscreen: concierge --demo --screenshot board.png")


def has_display() -> bool:
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def main(argv: Sequence[str] | None = None) -> int:
    choose_language(argv)
    args = parse_gui_args(argv)  # a plain GUI start: without the subcommands' parsers
    if args is None:
        args = build_parser().parse_args(argv)
    if args.command is not None:
        return run_command(args)
    if args.screenshot:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif not has_display():
        print(no_display_message(), file=sys.stderr)
        return 2
    # Start-up makes many long-lived objects (Qt bindings, modules, widgets) and little
    # garbage: the cyclic collector would walk them again and again (~15 % of the start).
    # It resumes once the board is painted (ui.app).
    gc.disable()
    import ui.qt_boot  # noqa: F401  (first: PySide without its per-import source scan)
    from ui.app import run_gui

    return run_gui(args)
