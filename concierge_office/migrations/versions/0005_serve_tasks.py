# SPDX-License-Identifier: Apache-2.0
"""serve: follow-ups of wishes not solved and call-backs (#19)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "serve_tasks",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("visit_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("technician_id", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.Float(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("serve_tasks_pkey")),
    )
    with op.batch_alter_table("serve_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_serve_tasks_site_id"), ["site_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_serve_tasks_technician_id"), ["technician_id"], unique=False
        )


def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only: restore a backup instead")
