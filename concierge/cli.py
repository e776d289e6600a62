# SPDX-License-Identifier: Apache-2.0
"""Command line: global options and the headless subcommands.

``ui.launcher`` starts the GUI when no subcommand is given, so ``concierge sync``
never imports Qt.  A plain GUI start is parsed with the global options alone
(``parse_gui_args``): registering the subcommands, and reading the version, wait
for a command line that needs them.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from concierge.i18n import PSEUDO, SUPPORTED, _, language_from_env, set_ui_language

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


LANG_CHOICES = (*SUPPORTED, PSEUDO)


def choose_language(argv: Sequence[str] | None) -> str:
    """The CLI's language: ``--lang``, else LC_ALL/LC_MESSAGES/LANG (read here only)."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang", choices=LANG_CHOICES)
    known, _rest = early.parse_known_args(argv)
    language = known.lang or language_from_env(os.environ)
    set_ui_language(language)
    return language


class _Formatter(argparse.HelpFormatter):
    """argparse's own words ("usage:") in the CLI's language."""

    def add_usage(self, usage: str | None, actions: Any, groups: Any,
                  prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


def _translate_argparse(parser: argparse.ArgumentParser) -> None:
    """The group titles and the -h/--version help argparse writes itself."""
    parser._positionals.title = _("positional arguments")
    parser._optionals.title = _("options")
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            action.help = _("show this help message and exit")
        elif isinstance(action, argparse._VersionAction):
            action.help = _("show the version and exit")


def _add_global_options(parser: argparse.ArgumentParser) -> None:
    """The options of the app itself (the GUI's, which the subcommands share)."""
    parser.add_argument(
        "--data-dir", metavar="DIR",
        help=_("keep all data, settings and logs under DIR (default: the platform's folders, "
               "or $CONCIERGE_HOME)"),
    )
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    parser.add_argument(
        "--demo", action="store_true",
        help=_("start the embedded back office with its demo fleet and sign in as a demo "
               "technician"),
    )
    parser.add_argument("--lang", choices=LANG_CHOICES,
                        help=_("language of the app and of the output (default: from the "
                               "system: LC_ALL, LANG)"))
    parser.add_argument("--screenshot", metavar="FILE.png",
                        help=_("render offscreen, save, exit"))
    parser.add_argument("--view", choices=["board", "visit", "session"], default="board",
                        help=_("what --screenshot shows"))


class _NotTheGui(Exception):
    """The command line is more than the GUI's options: the full parser takes it."""


class _GuiOptionsParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotTheGui(message)


def parse_gui_args(argv: Sequence[str] | None) -> argparse.Namespace | None:
    """The options of a plain GUI start (``command`` None), parsed without registering
    the subcommands; None when ``argv`` holds anything else (a subcommand, --help,
    --version, an abbreviation, an error): ``build_parser()`` parses (and reports) that."""
    parser = _GuiOptionsParser(prog="concierge", add_help=False, allow_abbrev=False)
    _add_global_options(parser)
    try:
        args, rest = parser.parse_known_args(argv)
    except _NotTheGui:
        return None
    if rest:
        return None
    args.command = None
    return args


def build_parser() -> argparse.ArgumentParser:
    from concierge import __version__

    _load_commands()
    parser = argparse.ArgumentParser(
        prog="concierge", formatter_class=_Formatter,
        description=_("Field Concierge: proactive visits for field technicians."),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, configure, func) in _COMMANDS.items():
        child = sub.add_parser(name, help=_(help_text), description=_(help_text),
                               formatter_class=_Formatter)
        configure(child)
        _translate_argparse(child)
        child.set_defaults(handler=func)
    _translate_argparse(parser)
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
    choose_language(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error(_("a COMMAND is required here; run `concierge` for the app"))
    return run_command(args)
