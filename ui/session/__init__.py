"""The guided optimisation session's window (renders ``concierge.session``)."""

from ui.session.window import SessionWindow

__all__ = ["SessionWindow"]
