# SPDX-License-Identifier: Apache-2.0
"""One sync at a time across processes: an OS file lock in the data folder.

The window and ``concierge sync`` may use the same data folder; the engine's
``threading.Lock`` keeps cycles of one process apart, this lock keeps processes
apart.  ``flock`` (POSIX) and ``msvcrt.locking`` (Windows) locks belong to the open
file, so the OS releases them when the process ends, even on ``kill -9``: a crashed
sync never leaves a stale lock behind.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import TracebackType


class ProcessLock:
    """A non-blocking, exclusive lock on ``path`` (created, mode 0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock if no other process holds it; False (at once) if one does."""
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is locked already by this object.")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            locked = _try_lock(fd)
        except BaseException:
            os.close(fd)
            raise
        if not locked:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                _unlock(fd)
            finally:
                os.close(fd)

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.release()


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # the first byte stands for the file
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
