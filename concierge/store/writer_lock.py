# SPDX-License-Identifier: Apache-2.0
"""One writer per store file: a second process (a second app window, the CLI) is refused.

The lock is an OS record lock on ``<store>.lock`` (POSIX ``lockf``, Windows
``msvcrt.locking``), so it is released when the holding process ends, even by kill -9.
Within one process the lock is shared (counted): the app's own workers and tests may open
the same store more than once.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from concierge.store.db import StoreError

_held: dict[Path, tuple[int, int]] = {}  # lock file -> (fd, holders in this process)
_guard = threading.Lock()


class StoreInUse(StoreError):
    """Another process has this store open for writing."""

    def __init__(self, folder: Path, pid: str) -> None:
        self.folder = folder
        self.pid = pid
        super().__init__("store_in_use", folder=str(folder), pid=pid or "?")


def lock_path(store_file: Path) -> Path:
    return store_file.with_name(store_file.name + ".lock")


def acquire(store_file: Path) -> Path:
    """Take the writer lock for ``store_file`` (raises StoreInUse). Returns the key to
    hand to ``release``."""
    path = lock_path(store_file).resolve()
    with _guard:
        held = _held.get(path)
        if held is not None:
            _held[path] = (held[0], held[1] + 1)
            return path
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
        except OSError:
            pid = _read_pid(fd)
            os.close(fd)
            raise StoreInUse(store_file.parent, pid) from None
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode())  # named in the refusal another process gets
        _held[path] = (fd, 1)
        return path


def release(key: Path) -> None:
    with _guard:
        held = _held.get(key)
        if held is None:
            return
        fd, count = held
        if count > 1:
            _held[key] = (fd, count - 1)
            return
        del _held[key]
        _unlock(fd)
        os.close(fd)


def _read_pid(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 32).decode(errors="replace").strip()
    except OSError:
        return ""


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 1 << 20, os.SEEK_SET)  # lock a byte past the pid, which stays readable
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 1 << 20, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.lockf(fd, fcntl.LOCK_UN)
