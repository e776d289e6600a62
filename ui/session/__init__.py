# SPDX-License-Identifier: Apache-2.0
"""The guided optimisation session's window (renders ``concierge.session``)."""

from ui.session.window import SessionWindow

__all__ = ["SessionWindow"]
