# SPDX-License-Identifier: Apache-2.0
"""``concierge-office``: run and administer the back office.

  concierge-office serve [--demo] [--db URL] [--workers N] ...   (the default command)
  concierge-office db upgrade | db status
  concierge-office create-admin --username NAME [--password-stdin | --password-file PATH]
  concierge-office setup-token
  concierge-office print-config
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import logging
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

from concierge_office.accounts import ADMIN_LOGIN, ADMIN_PASSWORD, DEMO_PASSWORD
from concierge_office.config import ConfigError, Settings, configure_logging, load
from concierge_office.demo_fleet import DEMO_TECHNICIANS
from concierge_office.openapi import export_openapi

log = logging.getLogger(__name__)
COMMANDS = ("serve", "db", "create-admin", "setup-token", "print-config")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="TOML settings file (see docs/deploy.md)")
    p.add_argument("--db", metavar="URL", help="sqlite:///PATH or postgresql://USER@HOST/DB")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="concierge-office", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--export-openapi", metavar="PATH", type=Path, help="write the OpenAPI document and exit"
    )
    sub = p.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="serve the back office (the default)")
    _common(serve)
    serve.add_argument(
        "--demo", action="store_true", help="seed the demo fleet and its published accounts"
    )
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--uds", metavar="PATH", help="serve on a unix socket instead")
    serve.add_argument("--workers", type=int, help="worker processes (PostgreSQL only if > 1)")
    serve.add_argument("--json-logs", action="store_true", help="one JSON object per log line")
    serve.add_argument("--speed", type=float, default=1.0,
                       help="demo time runs this many times faster")
    serve.add_argument("--seed", type=int, default=7, help="demo fleet seed")
    serve.add_argument("--no-live", action="store_true",
                       help="no live telemetry or scheduled engine runs")
    serve.add_argument(
        "--announce", action="store_true",
        help="for a parent process: serve on 127.0.0.1, print one JSON line "
        "(url and demo sign-in) once ready, stop when standard input closes",
    )
    db = sub.add_parser("db", help="the database schema")
    db.add_argument("action", choices=["upgrade", "status"])
    _common(db)
    admin = sub.add_parser("create-admin", help="create an administrator account")
    _common(admin)
    admin.add_argument("--username", required=True)
    admin.add_argument("--name", help="display name (default: the username)")
    source = admin.add_mutually_exclusive_group()
    source.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input")
    source.add_argument("--password-file", type=Path, help="read the password from this file")
    token = sub.add_parser("setup-token", help="print a one-time token to create the first admin")
    _common(token)
    shown = sub.add_parser("print-config", help="print the effective settings, secrets masked")
    _common(shown)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not any(a in COMMANDS for a in argv[:1]) and "--export-openapi" not in argv and not (
        argv and argv[0] in ("-h", "--help")
    ):
        argv = ["serve", *argv]  # `concierge-office --demo` as before
    args = _parser().parse_args(argv)
    if args.export_openapi is not None:
        export_openapi(args.export_openapi)
        return 0
    overrides: dict[str, Any] = {"database_url": args.db}
    if args.command == "serve":
        overrides |= {"host": args.host, "port": args.port, "uds": args.uds,
                      "workers": args.workers, "log_format": "json" if args.json_logs else None}
    try:
        settings = load(args.config, overrides)
    except ConfigError as problem:
        print(f"concierge-office: {problem}", file=sys.stderr)
        return 2
    if args.command == "print-config":
        print(json.dumps(settings.redacted(), indent=2))
        return 0
    configure_logging(settings)
    try:
        if args.command == "db":
            return _db(settings, args.action)
        if args.command == "create-admin":
            return _create_admin(settings, args)
        if args.command == "setup-token":
            return _setup_token(settings)
        return _serve(settings, args)
    except _Refused as problem:
        print(f"concierge-office: {problem}", file=sys.stderr)
        return 1


class _Refused(Exception):
    pass


def _database(settings: Settings) -> Any:
    from concierge_office.db import Database

    return Database(settings.database_url)


def _db(settings: Settings, action: str) -> int:
    from sqlalchemy.exc import OperationalError

    from concierge_office.migrate import MigrationError, status, upgrade

    database = _database(settings)
    try:
        if action == "upgrade":
            reached = upgrade(database)
        else:
            with database.engine.connect() as conn:
                reached = status(conn)
        print(f"schema revision: {', '.join(reached.current) or 'none'} "
              f"(this release: {reached.head})")
        return 0 if reached.at_head else 3
    except (MigrationError, OperationalError) as problem:
        raise _Refused(str(problem).splitlines()[0]) from None
    finally:
        database.dispose()


def _read_password(args: argparse.Namespace) -> str:
    if args.password_file is not None:
        return str(args.password_file.read_text()).rstrip("\n")
    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise _Refused("the passwords differ")
    return first


def _create_admin(settings: Settings, args: argparse.Namespace) -> int:
    from concierge_office.bootstrap import BootstrapError, create_admin

    password = _read_password(args)
    database = _database(settings)
    try:
        database.create_schema()
        create_admin(database, args.username, password, args.name)
    except BootstrapError as problem:
        raise _Refused(str(problem)) from None
    finally:
        database.dispose()
    print(f"administrator {args.username.strip()!r} created")
    return 0


def _setup_token(settings: Settings) -> int:
    from concierge_office.bootstrap import SETUP_TOKEN_SECONDS, BootstrapError, issue_setup_token

    database = _database(settings)
    try:
        database.create_schema()
        token = issue_setup_token(database)
    except BootstrapError as problem:
        raise _Refused(str(problem)) from None
    finally:
        database.dispose()
    print(f"one-time setup token (valid {SETUP_TOKEN_SECONDS / 60:.0f} minutes): {token}")
    print("POST /v1/setup with {\"token\": ..., \"username\": ..., \"password\": ...}")
    return 0


class GracefulServer(uvicorn.Server):
    """Stops on SIGTERM/SIGINT (drains, then returns) without re-raising the signal
    afterwards, so the caller's cleanup runs and the process exits 0."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        handled = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    if args.speed <= 0:
        raise _Refused("--speed must be positive")
    if args.announce:
        return _serve_for_parent(settings, args)
    if settings.workers > 1:
        from concierge_office.workers import WorkersRefused, serve_workers

        try:
            return serve_workers(settings, demo=args.demo, live=not args.no_live)
        except WorkersRefused as problem:
            raise _Refused(str(problem)) from None
    from concierge_office.migrate import MigrationError
    from concierge_office.service import BackOffice

    try:
        office = BackOffice(
            settings.database_url, demo=args.demo, seed=args.seed, speed=args.speed,
            live=not args.no_live, access_ttl_seconds=settings.access_ttl,
            tombstone_retention_seconds=settings.tombstone_retention_days * 86_400.0,
            office_phone=settings.office_phone,
        )
    except MigrationError as problem:
        raise _Refused(str(problem)) from None
    try:
        where = settings.uds or f"http://{settings.host}:{settings.port}"
        print(f"Back office on {where} (database {settings.redacted()['database_url']})")
        if args.demo:
            print(f"  demo office account: {ADMIN_LOGIN} / {ADMIN_PASSWORD}")
            print(f"  technicians: {', '.join(DEMO_TECHNICIANS)} / password {DEMO_PASSWORD}")
        if office.setup_token:
            print(f"  no administrator yet: one-time setup token (15 min): {office.setup_token}")
        sys.stdout.flush()
        server = GracefulServer(uvicorn.Config(
            office.app, host=settings.host, port=settings.port, uds=settings.uds,
            log_config=None, lifespan="off", proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            timeout_graceful_shutdown=int(settings.graceful_timeout),
        ))
        server.run()
    finally:
        office.close()
    log.info("back office stopped")
    return 0


def _serve_for_parent(settings: Settings, args: argparse.Namespace) -> int:
    """Serve until the parent closes our standard input (or dies, which closes it)."""
    from concierge_office.server import start_embedded

    root = logging.getLogger()  # the parent logs what we say, with its own timestamps
    root.setLevel(max(root.level, logging.WARNING))
    for handler in root.handlers:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    options = {"demo": args.demo, "seed": args.seed, "speed": args.speed,
               "live": not args.no_live, "office_phone": settings.office_phone}
    try:
        office = start_embedded(args.db, port=settings.port, **options)
    except OSError:
        office = start_embedded(args.db, port=0, **options)  # the usual port is taken
    with office:
        ready = {"url": office.url}
        if args.demo:
            ready |= {"login": DEMO_TECHNICIANS[0], "password": DEMO_PASSWORD}
        print(json.dumps(ready), flush=True)
        sys.stdin.read()  # returns at EOF: the parent stopped us or died
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
