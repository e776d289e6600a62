# SPDX-License-Identifier: Apache-2.0
"""Devices over MQTT: telemetry in, commands out, and remote-first fixes (docs/devices.md)."""
