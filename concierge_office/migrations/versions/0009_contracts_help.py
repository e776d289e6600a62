# SPDX-License-Identifier: Apache-2.0
"""each site's contract (goodwill allowance, office phone); help from the field (#19)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("contract", sa.JSON(), nullable=True))
    op.create_table(
        "help_requests",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("visit_id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("technician_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("helper", sa.String(length=64), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("asked_at", sa.Float(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("help_requests_pkey")),
    )
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_help_requests_session_id"), ["session_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_help_requests_technician_id"), ["technician_id"],
                              unique=False)


def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only: restore a backup instead")
