# SPDX-License-Identifier: Apache-2.0
"""Alembic environment: always run programmatically (concierge_office.migrate), on the
connection it passes in ``config.attributes["connection"]``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from concierge_office.db import metadata
from concierge_office.migrate import SCHEMA_MODULES  # noqa: F401 - every table registered

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations with `concierge-office db upgrade`")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite ALTERs become move-and-copy
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
