# SPDX-License-Identifier: Apache-2.0
"""Command line: global options and the headless subcommands.

``ui.launcher`` parses with this parser and starts the GUI when no subcommand is
given, so ``concierge sync`` never imports Qt.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence

from concierge import __version__

Command = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Command]] = {}


def command(
    name: str, help_text: str, configure: Callable[[argparse.ArgumentParser], None] = lambda p: None
) -> Callable[[Command], Command]:
    """Register a headless subcommand."""

    def register(func: Command) -> Command:
        _COMMANDS[name] = (help_text, configure, func)
        return func

    return register


def build_parser() -> argparse.ArgumentParser:
    _load_commands()
    parser = argparse.ArgumentParser(
        prog="concierge",
        description="Field Concierge: proactive visits for field technicians.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="keep all data, settings and logs under DIR "
        "(default: the platform's folders, or $CONCIERGE_HOME)",
    )
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    parser.add_argument(
        "--demo", action="store_true",
        help="start the embedded back office with its demo fleet and sign in as a demo technician",
    )
    parser.add_argument("--screenshot", metavar="FILE.png", help="render offscreen, save, exit")
    parser.add_argument("--view", choices=["board", "visit", "session"], default="board",
                        help="what --screenshot shows")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, configure, func) in _COMMANDS.items():
        child = sub.add_parser(name, help=help_text, description=help_text)
        configure(child)
        child.set_defaults(handler=func)
    return parser


def run_command(args: argparse.Namespace) -> int:
    from concierge.logs import setup_logging
    from concierge.paths import resolve_paths

    paths = resolve_paths(args.data_dir, demo=getattr(args, "demo", False)).ensure()
    setup_logging(paths.logs, level=getattr(logging, args.log_level))
    handler: Command = args.handler
    return handler(args)


def _load_commands() -> None:
    """Import the modules that register subcommands."""
    import concierge.commands  # noqa: F401


def main(argv: Sequence[str] | None = None) -> int:
    """Headless entry (``python -m concierge``): subcommands only."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error("a COMMAND is required here; run `concierge` for the app")
    return run_command(args)
