# SPDX-License-Identifier: Apache-2.0
"""serve: follow-ups, call-backs, goodwill requests and 'did it hold' checks (#19)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
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

    op.create_table(
        "goodwill_requests",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("visit_id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("technician_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Float(), nullable=False),
        sa.Column("money", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("over_allowance", sa.Boolean(), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("given_at", sa.Float(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("goodwill_requests_pkey")),
    )
    with op.batch_alter_table("goodwill_requests", schema=None) as batch_op:
        for column in ("session_id", "site_id", "technician_id"):
            batch_op.create_index(
                batch_op.f(f"ix_goodwill_requests_{column}"), [column], unique=False
            )

    op.create_table(
        "held_checks",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("visit_id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("technician_id", sa.String(length=64), nullable=False),
        sa.Column("asset_id", sa.String(length=64), nullable=False),
        sa.Column("kpi", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("before", sa.Float(), nullable=True),
        sa.Column("after", sa.Float(), nullable=True),
        sa.Column("since", sa.Float(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("insight_id", sa.String(length=64), nullable=True),
        sa.Column("checked_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("held_checks_pkey")),
    )
    with op.batch_alter_table("held_checks", schema=None) as batch_op:
        for column in ("session_id", "site_id"):
            batch_op.create_index(batch_op.f(f"ix_held_checks_{column}"), [column], unique=False)


def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only: restore a backup instead")
