"""Tables of the request guards (#12), on the office's shared MetaData.

- ``op_digests``: what each pushed op id carried, so a reused id with another payload
  is refused (409) instead of being answered "duplicate" and dropped.
- ``login_failures``: failed sign-ins per (account, source address), so the slowdown
  holds across worker processes and restarts.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, String, Table

from concierge_office.db import metadata

op_digests = Table(
    "op_digests",
    metadata,
    Column("op_id", String(36), primary_key=True),
    Column("digest", String(64), nullable=False),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("login", String(64), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("blocked_until", Float, nullable=False),
    Column("last_failure", Float, nullable=False, index=True),
)
