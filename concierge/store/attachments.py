# SPDX-License-Identifier: Apache-2.0
"""Content-addressed attachment files: written once, fsynced, named by SHA-256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def path_for(folder: Path, sha256: str) -> Path:
    return folder / sha256[:2] / sha256


def write(folder: Path, content: bytes) -> str:
    """Store ``content`` (idempotent); returns its SHA-256."""
    sha = hashlib.sha256(content).hexdigest()
    target = path_for(folder, sha)
    if target.exists() and target.stat().st_size == len(content):
        return sha
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return sha


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
