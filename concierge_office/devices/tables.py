# SPDX-License-Identifier: Apache-2.0
"""The devices' tables, on the office's shared MetaData (created with the rest of the schema)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Float, Integer, String, Table, Text

from concierge_office.db import metadata

# One row per telemetry message ingested: a QoS 1 redelivery hits the key and is a no-op.
mqtt_messages = Table(
    "mqtt_messages",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("boot_id", String(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("samples", Integer, nullable=False),
    Column("received_at", Float, nullable=False),
    sqlite_with_rowid=False,
)

# A remote action chosen for an insight; the key (insight:action) makes it one per decision.
remote_decisions = Table(
    "remote_decisions",
    metadata,
    Column("decision_key", String(200), primary_key=True),
    Column("insight_id", String(64), nullable=False, index=True),
    Column("asset_id", String(64), nullable=False, index=True),
    Column("asset_kind", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("playbook_version", Integer, nullable=False),
    Column("safety", String(16), nullable=False),  # automatic | approval
    # awaiting_approval -> commanded -> fixed | not_fixed ; awaiting_approval -> declined
    Column("state", String(24), nullable=False),
    Column("effect", JSON, nullable=False),
    Column("decided_at", Float, nullable=False),  # office clock
    Column("approved_by", String(64)),
    Column("resolved_at", Float),
    Column("baseline", Float),
    Column("observed", Float),
    Column("detail", Text, nullable=False, default=""),
    Column("customer_note", Text, nullable=False, default=""),
)

# The command of a decision: written with it (outbox), published only after the commit.
device_commands = Table(
    "device_commands",
    metadata,
    Column("command_id", String(64), primary_key=True),
    Column("decision_key", String(200), nullable=False, unique=True),
    Column("device_id", String(64), nullable=False, index=True),
    Column("command", String(64), nullable=False),
    Column("params", JSON, nullable=False),
    # queued -> sent -> accepted -> done -> fixed | not_fixed
    #   queued -> expired ; sent -> ack_timeout ; accepted -> failed | rejected
    Column("state", String(16), nullable=False, index=True),
    Column("created_at", Float, nullable=False),  # office clock
    Column("expires_at", Float, nullable=False),  # wall clock: not sent by then -> expired
    Column("lease_until", Float),  # wall clock: the sender that claimed it
    Column("publishes", Integer, nullable=False, default=0),
    Column("sent_at", Float),  # wall clock
    Column("ack_deadline", Float),  # wall clock
    Column("acked_at", Float),  # wall clock
    Column("done_at", Float),  # the device's clock (its ack "t"), for the verification window
    Column("ack_detail", Text, nullable=False, default=""),
)

# A jump in a device's seq within one boot: messages it sent that never arrived (Sparkplug's
# "rebirth" situation). Recorded, never an error.
telemetry_gaps = Table(
    "telemetry_gaps",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("boot_id", String(64), primary_key=True),
    Column("after_seq", BigInteger, primary_key=True),
    Column("missing", BigInteger, nullable=False),
    Column("detected_at", Float, nullable=False),
    sqlite_with_rowid=False,
)
