# SPDX-License-Identifier: Apache-2.0
"""Headless subcommands: login, logout, sync, status (all honour --data-dir).

Registering them is cheap: this module imports only the standard library, and each
handler imports the core (store, auth, sync: numpy, pydantic, requests, APScheduler,
keyring) when it runs.  ``ui.launcher`` builds its parser from here before it knows
whether the GUI starts, so nothing here may delay the window.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from concierge.cli import command
from concierge.i18n import N_, _, ngettext, tr
from concierge.paths import AppPaths, resolve_paths

if TYPE_CHECKING:
    from concierge.store import Store
    from concierge.sync import SyncEngine, SyncProgress, SyncResult

PASSWORD_ENV = "CONCIERGE_PASSWORD"


EXIT_CORRUPT_STORE = 3  # the local store is damaged (kept aside; `concierge recover`)


class CommandError(Exception):
    """An expected failure: printed as one line, exit status 1 (or ``exit_code``)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _fail(message: str, exit_code: int = 1) -> int:
    print(_("concierge: {message}").format(message=message), file=sys.stderr)
    return exit_code


@contextmanager
def _store(paths: AppPaths, *, exclusive: bool = False) -> Iterator[Store]:
    """``exclusive``: refused while the app (or another sign-in) has this data open."""
    from concierge.store import CorruptStoreError, Store, StoreError

    try:
        store = Store.open(paths.store_file, paths.attachments, exclusive=exclusive)
    except CorruptStoreError as exc:
        raise CommandError(
            _("{problem} Run `concierge recover` to do that.").format(problem=tr(exc.msg)),
            EXIT_CORRUPT_STORE,
        ) from exc
    except StoreError as exc:
        raise CommandError(tr(exc.msg)) from exc
    try:
        yield store
    finally:
        store.close()


def _paths(args: argparse.Namespace) -> AppPaths:
    """The real account's places, or with --demo the demo's own."""
    return resolve_paths(args.data_dir, demo=getattr(args, "demo", False)).ensure()


def _guarded(func: Any) -> Any:
    """Turn expected failures into one line on stderr and exit status 1."""

    def run(args: argparse.Namespace) -> int:
        # urllib3 logs each connection retry; the one-line error below says what matters.
        logging.getLogger("urllib3").setLevel(logging.ERROR)
        try:
            return int(func(args))
        except CommandError as exc:
            return _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            return _fail(_("interrupted"))
        except Exception as exc:
            from concierge.errors import PersonError  # loaded already if one was raised

            if isinstance(exc, PersonError):  # sign-in, keyring, address, store: by code
                return _fail(tr(exc.msg))
            raise

    run.__doc__ = func.__doc__
    return run


# --- login / logout ---------------------------------------------------------------------


def _configure_login(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", required=True, metavar="URL",
                        help=_("back office address (https://…, or http:// to this computer)"))
    parser.add_argument("--user", required=True, metavar="NAME", help=_("your user name"))


@command("login", N_("sign in; the tokens are kept in the OS keyring only"), _configure_login)
@_guarded
def login(args: argparse.Namespace) -> int:
    from concierge.auth import Account, open_token_store

    password = os.environ.get(PASSWORD_ENV) or getpass.getpass(
        _("Password for {user}: ").format(user=args.user))
    paths = _paths(args)
    tokens = open_token_store(paths.keyring_service)
    with _store(paths, exclusive=True) as store:
        user = Account(store, tokens).sign_in(args.server, args.user, password)
    print(_("Signed in as {name} ({login}).").format(name=user.name, login=user.login))
    if tokens.warning:
        raise CommandError(_("{warning} Headless commands cannot stay signed in.")
                           .format(warning=tr(tokens.warning)))
    return 0


def _configure_logout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--discard-unsynced", action="store_true",
                        help=_("sign out even if changes have not reached the office "
                               "(they are lost)"))


@command("logout", N_("sign out: delete the tokens and this account's local data"),
         _configure_logout)
@_guarded
def logout(args: argparse.Namespace) -> int:
    from concierge.auth import Account, open_token_store

    paths = _paths(args)
    with _store(paths, exclusive=True) as store:
        account = Account(store, open_token_store(paths.keyring_service))
        account.sign_out(discard_unsynced=args.discard_unsynced)
    print(_("Signed out; local data removed."))
    return 0


# --- sync ---------------------------------------------------------------------------------


def _configure_sync(parser: argparse.ArgumentParser) -> None:
    from concierge.sync.models import SyncOptions  # dataclasses only: cheap

    parser.add_argument("--once", action="store_true", help=_("sync once and exit"))
    parser.add_argument("--interval", type=int, metavar="MINUTES",
                        help=_("minutes between syncs (default: from settings)"))
    parser.add_argument("--batch-size", type=int, default=SyncOptions.batch_size,
                        help=_("changes per push request"))
    parser.add_argument("--page-size", type=int, default=SyncOptions.page_size,
                        help=_("changes per pull request"))
    parser.add_argument("--progress", action="store_true",
                        help=_("print each progress step as a JSON line on stderr"))


@command("sync", N_("sync with the back office (until Ctrl-C, or --once)"), _configure_sync)
@_guarded
def sync(args: argparse.Namespace) -> int:
    from concierge.auth import Account, open_token_store
    from concierge.settings import load_settings
    from concierge.sync import SyncEngine, SyncOptions

    paths = _paths(args)
    with _store(paths) as store:
        account = Account(store, open_token_store(paths.keyring_service))
        if account.access_token() is None:
            raise CommandError(_("Not signed in. Run: concierge login --server URL --user NAME"))
        options = SyncOptions(batch_size=max(1, args.batch_size), page_size=max(1, args.page_size))
        with account.client() as client:
            engine = SyncEngine(store, client, options)
            if args.progress:
                engine.events.progress.connect(_print_progress)
            if args.once:
                result = engine.run_once()
                _print_result(result)
                return 0 if result.ok else 1
            interval = args.interval or load_settings(paths.settings_file)[0].sync_interval_minutes
            return _run_scheduled(engine, interval)


def _run_scheduled(engine: SyncEngine, interval: int) -> int:
    from concierge.sync import SyncService

    service = SyncService(engine)
    service.events.finished.connect(_print_result)
    try:
        service.start(interval)
    except ValueError as exc:
        raise CommandError(ngettext(
            "The sync interval must be 1 minute to 1 day, not {count} minute.",
            "The sync interval must be 1 minute to 1 day, not {count} minutes.", interval,
        ).format(count=interval)) from exc
    print(ngettext("Syncing every {count} minute; press Ctrl-C to stop.",
                   "Syncing every {count} minutes; press Ctrl-C to stop.", interval)
          .format(count=interval), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print(_("Stopping…"), flush=True)
    finally:
        service.shutdown(wait=True)
    return 0


def _pending(count: int) -> Any:
    from concierge.i18n import nmsg

    return nmsg("{count} change", "{count} changes", count)


def _print_progress(progress: SyncProgress) -> None:
    line = {"phase": progress.phase, "done": progress.done, "total": progress.total,
            "board_ready": progress.board_ready}
    print(json.dumps(line), file=sys.stderr, flush=True)


def _print_result(result: SyncResult) -> None:
    if result.busy:
        from concierge.sync.models import ANOTHER_SYNC_RUNNING

        print(_("{busy} Nothing to do here.").format(busy=_(ANOTHER_SYNC_RUNNING)), flush=True)
    elif result.ok:
        print(_("Synced: {pushed} sent, {pulled} received, {conflicts} conflict(s), "
                "{rejected} refused.").format(pushed=result.pushed, pulled=result.pulled,
                                               conflicts=result.conflicts,
                                               rejected=result.rejected), flush=True)
        if result.set_aside:
            print(ngettext(
                "{count} record from the office could not be read and was set aside; "
                "`concierge status` counts it under Refused.",
                "{count} records from the office could not be read and were set aside; "
                "`concierge status` counts them under Refused.",
                result.set_aside).format(count=result.set_aside), flush=True)
    else:
        from concierge.i18n import ui
        from concierge.sync.failures import failure_text

        reason = result.error if result.failure is None else failure_text(result.failure, ui())
        print(_("concierge: sync failed: {error}").format(error=reason),
              file=sys.stderr, flush=True)


# --- status -----------------------------------------------------------------------------------


def _configure_status(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=_("print JSON"))


@command("status", N_("show the last sync, pending changes, conflicts and refusals"),
         _configure_status)
@_guarded
def status(args: argparse.Namespace) -> int:
    with _store(_paths(args)) as store:
        state = store.status()
    if args.json:
        fields = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                  for k, v in vars(state).items()}
        fields["last_failure"] = json.loads(state.last_failure) if state.last_failure else None
        print(json.dumps(fields, indent=2))
        return 0
    from concierge.i18n import ui

    t = ui()

    def moment(value: Any) -> str:
        return t.format_datetime(value) if value else _("never")

    account = state.account or _("not signed in")
    if state.server_url:
        account = _("{account} at {server}").format(account=account, server=state.server_url)
    rows = [(_("Account:"), account), (_("Last sync:"), moment(state.last_sync_at)),
            (_("Last attempt:"), moment(state.last_attempt_at))]
    if state.last_error:
        from concierge.sync.failures import stored_failure_text

        rows.append((_("Last error:"),
                     str(stored_failure_text(state.last_failure, state.last_error, t))))
    rows += [
        (_("Pending:"), t.render(_pending(state.pending_ops))),
        (_("Conflicts:"), t.number(state.conflicts)),
        (_("Refused:"), t.number(state.rejected)),
        (_("Cursor:"), state.cursor or "-"),
    ]
    width = max(len(label) for label, _value in rows) + 2
    for label, value in rows:
        print(f"{label:<{width}}{value}")
    return 0


# --- recover ------------------------------------------------------------------------------


@command("recover", N_("move what a damaged local store still holds into a fresh one"))
@_guarded
def recover(args: argparse.Namespace) -> int:
    from concierge.store import CorruptStoreError, Store

    paths = _paths(args)
    kept = sorted(
        p for p in paths.store_file.parent.glob(f"{paths.store_file.name}.corrupt-*")
        if not p.name.endswith(("-wal", "-shm"))
    )
    try:
        with Store.open(paths.store_file, paths.attachments):
            pass  # a damaged current store is moved aside here, and recovered below
    except CorruptStoreError as exc:
        kept.append(exc.kept_as)
    if not kept:
        print(_("No damaged local store to recover."))
        return 0
    store, report = Store.recover(paths.store_file, paths.attachments, kept[-1])
    store.close()
    print(" ".join(tr(m) for m in report.summary_msgs()))
    return 0
