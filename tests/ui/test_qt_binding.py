"""Guards against the installed Qt binding corrupting the interpreter."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(int)


def test_void_calls_and_emits_keep_singleton_refcounts() -> None:
    # PySide6 6.12.0 on Python < 3.12 decremented None/True on each such call.
    emitter = _Emitter()
    received: list[int] = []
    emitter.fired.connect(received.append)
    before = (sys.getrefcount(None), sys.getrefcount(True))
    for i in range(500):
        emitter.setObjectName("probe")
        emitter.fired.emit(i)
    after = (sys.getrefcount(None), sys.getrefcount(True))
    assert len(received) == 500
    assert after[0] >= before[0] - 5 and after[1] >= before[1] - 5, (before, after)
