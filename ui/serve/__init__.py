# SPDX-License-Identifier: Apache-2.0
"""Serve the team (#19.4) on the laptop: help from the field, praise, follow-ups, and
whether earlier work held."""
