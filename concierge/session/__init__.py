# SPDX-License-Identifier: Apache-2.0
"""The guided optimisation session: Qt-free state, KPIs, checklist, validation, report content.

``ui/session`` renders it; ``SessionEngine`` (engine.py) applies the person's inputs and
autosaves each one through the store.
"""
