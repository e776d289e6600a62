# SPDX-License-Identifier: Apache-2.0
"""setup tokens and job claims

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 19:06:19.486099
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("period_start", sa.Float(), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("lease_until", sa.Float(), nullable=False),
        sa.Column("finished_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("job", "period_start", name=op.f("job_runs_pkey")),
    )
    op.create_table(
        "setup_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("used_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("setup_tokens_pkey")),
    )


def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only: restore a backup instead")
