# SPDX-License-Identifier: Apache-2.0
"""foresight: the streaming detector's state per series

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 20:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('anomaly_states',
    sa.Column('series_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('start_after', sa.Float(), nullable=False),
    sa.Column('scored_until', sa.Float(), nullable=False),
    sa.Column('checkpoint_until', sa.Float(), nullable=False),
    sa.Column('state', sa.LargeBinary(), nullable=True),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('series_id', name=op.f('anomaly_states_pkey'))
    )


def downgrade() -> None:
    op.drop_table('anomaly_states')
