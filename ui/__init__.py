"""Field Concierge's PySide6 front end: renders the core's state, sends intents back."""

from __future__ import annotations

import ctypes
import sys


def _guard_none_refcount() -> None:
    """Work around PySide6 6.12 wheels on Python < 3.12 dropping references to None/True.

    Every void-returning binding call there (and every ``Signal.emit``, which
    returns True) decrements the singleton's refcount: the wheels assume 3.12's
    immortal singletons, so a few thousand calls abort the interpreter with
    "none_dealloc"/"bool_dealloc".  When the probe sees the leak, None, True and
    False are made effectively immortal, as they are on 3.12+.
    """
    if sys.version_info >= (3, 12):
        return
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    probe.setObjectName("probe")
    if sys.getrefcount(None) < before:
        for singleton in (None, True, False):
            ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 40


_guard_none_refcount()
