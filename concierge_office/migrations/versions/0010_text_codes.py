# SPDX-License-Identifier: Apache-2.0
"""insight headlines and visit summaries as codes with parameters (any language)

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("insights") as batch:
        batch.add_column(sa.Column("headline_code", sa.JSON(), nullable=True))
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("summary_code", sa.JSON(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only: restore a backup instead")
