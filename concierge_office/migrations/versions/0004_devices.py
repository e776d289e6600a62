# SPDX-License-Identifier: Apache-2.0
"""devices: message keys, gaps, remote decisions and commands

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 19:38:18.465222
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('device_commands',
    sa.Column('command_id', sa.String(length=64), nullable=False),
    sa.Column('decision_key', sa.String(length=200), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('command', sa.String(length=64), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('lease_until', sa.Float(), nullable=True),
    sa.Column('publishes', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.Float(), nullable=True),
    sa.Column('ack_deadline', sa.Float(), nullable=True),
    sa.Column('acked_at', sa.Float(), nullable=True),
    sa.Column('done_at', sa.Float(), nullable=True),
    sa.Column('ack_detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('command_id', name=op.f('device_commands_pkey')),
    sa.UniqueConstraint('decision_key', name=op.f('device_commands_decision_key_key'))
    )
    with op.batch_alter_table('device_commands', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_device_commands_device_id'), ['device_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_device_commands_state'), ['state'], unique=False
        )

    op.create_table('mqtt_messages',
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('boot_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('samples', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('device_id', 'boot_id', 'seq', name=op.f('mqtt_messages_pkey')),
    sqlite_with_rowid=False
    )
    op.create_table('remote_decisions',
    sa.Column('decision_key', sa.String(length=200), nullable=False),
    sa.Column('insight_id', sa.String(length=64), nullable=False),
    sa.Column('asset_id', sa.String(length=64), nullable=False),
    sa.Column('asset_kind', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('playbook_version', sa.Integer(), nullable=False),
    sa.Column('safety', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('effect', sa.JSON(), nullable=False),
    sa.Column('decided_at', sa.Float(), nullable=False),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('resolved_at', sa.Float(), nullable=True),
    sa.Column('baseline', sa.Float(), nullable=True),
    sa.Column('observed', sa.Float(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('customer_note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('decision_key', name=op.f('remote_decisions_pkey'))
    )
    with op.batch_alter_table('remote_decisions', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_remote_decisions_asset_id'), ['asset_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_remote_decisions_insight_id'), ['insight_id'], unique=False
        )

    op.create_table('telemetry_gaps',
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('boot_id', sa.String(length=64), nullable=False),
    sa.Column('after_seq', sa.BigInteger(), nullable=False),
    sa.Column('missing', sa.BigInteger(), nullable=False),
    sa.Column('detected_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('device_id', 'boot_id', 'after_seq', name=op.f('telemetry_gaps_pkey')),
    sqlite_with_rowid=False
    )


def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only: restore a backup instead")
