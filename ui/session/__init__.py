# SPDX-License-Identifier: Apache-2.0
"""The guided optimisation session's window (renders ``concierge.session``).

Loaded on first use: the board's screens borrow small helpers from ``ui.session.common``
without pulling the session in before the first paint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ui.session.window import SessionWindow

__all__ = ["SessionWindow"]


def __getattr__(name: str) -> Any:
    if name == "SessionWindow":
        from ui.session.window import SessionWindow

        return SessionWindow
    raise AttributeError(name)
