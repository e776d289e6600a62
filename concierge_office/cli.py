# SPDX-License-Identifier: Apache-2.0
"""``concierge-office``: serve the back office (optionally with the demo fleet)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path

import uvicorn

from concierge_office.accounts import ADMIN_LOGIN, ADMIN_PASSWORD, DEMO_PASSWORD
from concierge_office.demo_fleet import DEMO_TECHNICIANS
from concierge_office.openapi import export_openapi


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="concierge-office", description=__doc__)
    p.add_argument(
        "--demo", action="store_true", help="seed the demo fleet if the database is empty"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument(
        "--db", metavar="URL", help="SQLAlchemy URL (default: a fresh temporary SQLite file)"
    )
    p.add_argument("--speed", type=float, default=1.0, help="demo time runs this many times faster")
    p.add_argument("--seed", type=int, default=7, help="demo fleet seed")
    p.add_argument(
        "--no-live", action="store_true", help="no live telemetry or scheduled engine runs"
    )
    p.add_argument(
        "--announce",
        action="store_true",
        help="for a parent process: serve on 127.0.0.1, print one JSON line "
        "(url and demo sign-in) once ready, stop when standard input closes",
    )
    p.add_argument(
        "--export-openapi", metavar="PATH", type=Path, help="write the OpenAPI document and exit"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.export_openapi is not None:
        export_openapi(args.export_openapi)
        return 0
    if args.speed <= 0:
        print("--speed must be positive", file=sys.stderr)
        return 2
    if args.announce:  # the parent logs what we say, with its own timestamps
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        return _serve_for_parent(args)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from concierge_office.service import BackOffice

    with tempfile.TemporaryDirectory(prefix="concierge-office-") as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'backoffice.sqlite'}"
        office = BackOffice(
            url, demo=args.demo, seed=args.seed, speed=args.speed, live=not args.no_live
        )
        try:
            print(f"Back office on http://{args.host}:{args.port} (database {url})")
            print(f"  office: {ADMIN_LOGIN} / {ADMIN_PASSWORD}")
            if args.demo:
                print(f"  technicians: {', '.join(DEMO_TECHNICIANS)} / password {DEMO_PASSWORD}")
            sys.stdout.flush()
            uvicorn.run(
                office.app, host=args.host, port=args.port, log_level="info", lifespan="off"
            )
        finally:
            office.close()
    return 0


def _serve_for_parent(args: argparse.Namespace) -> int:
    """Serve until the parent closes our standard input (or dies, which closes it)."""
    from concierge_office.server import start_embedded

    try:
        office = start_embedded(args.db, demo=args.demo, seed=args.seed, speed=args.speed,
                                live=not args.no_live, port=args.port)
    except OSError:
        office = start_embedded(args.db, demo=args.demo, seed=args.seed, speed=args.speed,
                                live=not args.no_live, port=0)  # the usual port is taken
    with office:
        ready = {"url": office.url}
        if args.demo:
            ready |= {"login": DEMO_TECHNICIANS[0], "password": DEMO_PASSWORD}
        print(json.dumps(ready), flush=True)
        sys.stdin.read()  # returns at EOF: the parent stopped us or died
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
