# SPDX-License-Identifier: Apache-2.0
"""sync: why a visit left a technician's feed (withdrawal reasons)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 21:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('withdrawals',
    sa.Column('technician_id', sa.String(length=64), nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('technician_id', 'visit_id', name=op.f('withdrawals_pkey'))
    )


def downgrade() -> None:
    op.drop_table('withdrawals')
