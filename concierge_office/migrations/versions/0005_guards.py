# SPDX-License-Identifier: Apache-2.0
"""guards: op digests, login failures, refresh successors, token uses

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 20:01:38.840937
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_failures',
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('blocked_until', sa.Float(), nullable=False),
    sa.Column('last_failure', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('login', 'source', name=op.f('login_failures_pkey'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_login_failures_last_failure'), ['last_failure'], unique=False
        )

    op.create_table('op_digests',
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('op_id', name=op.f('op_digests_pkey'))
    )
    op.create_table('refresh_successors',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('access_hash', sa.String(length=64), nullable=False),
    sa.Column('refresh_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('refresh_successors_pkey'))
    )
    with op.batch_alter_table('refresh_successors', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_refresh_successors_expires_at'), ['expires_at'], unique=False
        )

    op.create_table('token_uses',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('token_uses_pkey'))
    )
    with op.batch_alter_table('token_uses', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_token_uses_expires_at'), ['expires_at'], unique=False
        )



def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only: restore a backup instead")
