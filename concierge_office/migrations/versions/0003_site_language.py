# SPDX-License-Identifier: Apache-2.0
"""each site's preferred language (the customer's report is written in it)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=35), nullable=False, server_default="en")
        )


def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only: restore a backup instead")
