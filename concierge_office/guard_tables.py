# SPDX-License-Identifier: Apache-2.0
"""Tables of the request guards (#12), on the office's shared MetaData.

- ``op_digests``: what each pushed op id carried, so a reused id with another payload
  is refused (409) instead of being answered "duplicate" and dropped.
- ``login_failures``: failed sign-ins per (account, source address), so the slowdown
  holds across worker processes and restarts.
- ``refresh_successors`` and ``token_uses``: the pair a refresh token was rotated into,
  and whether an access token was ever used, so a refresh repeated after its grace whose
  new pair never served anyone is a lost reply (answered), not a stolen token.
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

refresh_successors = Table(
    "refresh_successors",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # the spent refresh token
    Column("access_hash", String(64), nullable=False),
    Column("refresh_hash", String(64), nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)

token_uses = Table(
    "token_uses",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # an access token used at least once
    Column("expires_at", Float, nullable=False, index=True),
)
