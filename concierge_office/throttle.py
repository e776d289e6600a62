# SPDX-License-Identifier: Apache-2.0
"""Slowing down repeated failed logins, per (account, source address), in the database.

Not a lockout of the account: failures from one address slow down that address's tries
of that account (and, with more free tries, of any account), so nobody can lock a
technician out from elsewhere.  The state lives in ``login_failures`` so it holds across
worker processes and restarts.

The source is the TCP peer.  ``X-Forwarded-For`` counts only when the peer is one of the
configured proxies (``trusted_proxies``, or ``$CONCIERGE_TRUSTED_PROXIES``, comma-separated;
none by default): then the source is the last address that proxy chain did not add.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field

from fastapi import Request
from sqlalchemy import Connection, delete, select, update

from concierge_office.db import Database
from concierge_office.guard_tables import login_failures

ANY_ACCOUNT = "*"  # the row counting an address's failures over all accounts
TRUSTED_PROXIES_ENV = "CONCIERGE_TRUSTED_PROXIES"


def _configured_proxies() -> tuple[str, ...]:
    raw = os.environ.get(TRUSTED_PROXIES_ENV, "")
    return tuple(part.strip() for part in raw.split(",") if part.strip())


@dataclass
class LoginThrottle:
    """Exponential backoff after ``free_per_account`` failures of one account from one
    address, or ``free_per_source`` failures of any accounts from it."""

    max_backoff: float = 300.0
    free_per_account: int = 5
    free_per_source: int = 20
    forget_after: float = 86_400.0
    trusted_proxies: tuple[str, ...] = field(default_factory=_configured_proxies)

    def source(self, request: Request) -> str:
        peer = request.client.host if request.client else "unknown"
        if not self._trusted(peer):
            return peer
        forwarded = [
            hop.strip() for value in request.headers.getlist("x-forwarded-for")
            for hop in value.split(",") if hop.strip()
        ]
        for hop in reversed(forwarded):  # the nearest hop not added by a trusted proxy
            if not self._trusted(hop):
                return _normalised(hop)
        return peer

    def retry_after(self, database: Database, login: str, source: str, now: float) -> float:
        f = login_failures
        with database.read() as conn:
            rows = conn.execute(
                select(f.c.blocked_until).where(
                    f.c.source == source, f.c.login.in_([_account(login), ANY_ACCOUNT])
                )
            ).scalars()
            return max([0.0, *(float(until) - now for until in rows)])

    def failed(self, database: Database, login: str, source: str, now: float) -> None:
        with database.write() as conn:
            for account, free in ((_account(login), self.free_per_account),
                                  (ANY_ACCOUNT, self.free_per_source)):
                self._count(database, conn, (account, source), free=free, now=now)
            conn.execute(delete(login_failures).where(
                login_failures.c.last_failure < now - self.forget_after
            ))

    def succeeded(self, database: Database, login: str, source: str) -> None:
        f = login_failures
        with database.write() as conn:
            conn.execute(delete(f).where(f.c.login == _account(login), f.c.source == source))

    def _count(
        self, database: Database, conn: Connection, key_values: tuple[str, str], *, free: int,
        now: float,
    ) -> None:
        account, source = key_values
        f = login_failures
        key = (f.c.login == account) & (f.c.source == source)
        failures = 1 + int(conn.execute(select(f.c.failures).where(key)).scalar_one_or_none() or 0)
        excess = failures - free
        wait = min(self.max_backoff, 2.0 ** (excess - 1)) if excess > 0 else 0.0
        values = {"failures": failures, "blocked_until": now + wait, "last_failure": now}
        if failures == 1:
            conn.execute(database.upsert(f, ["login", "source"]).values(
                login=account, source=source, **values))
        else:
            conn.execute(update(f).where(key).values(**values))

    def _trusted(self, address: str) -> bool:
        return _normalised(address) in {_normalised(p) for p in self.trusted_proxies}


def _account(login: str) -> str:
    return login.strip().lower()[:64]


def _normalised(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address.strip().strip("[]")))
    except ValueError:
        return address.strip()[:64]
