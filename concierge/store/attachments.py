# SPDX-License-Identifier: Apache-2.0
"""Content-addressed attachment files: written once, fsynced, named by SHA-256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


def path_for(folder: Path, sha256: str) -> Path:
    return folder / sha256[:2] / sha256


@dataclass(frozen=True)
class Upload:
    """An attachment waiting for upload."""

    sha256: str
    content_type: str
    filename: str
    path: Path

    def read(self) -> bytes | None:
        """The file's content, or None if it is missing, unreadable or not what its
        SHA-256 says (damaged on disk)."""
        try:
            content = self.path.read_bytes()
        except OSError:
            return None
        return content if hashlib.sha256(content).hexdigest() == self.sha256 else None


def quarantine(folder: Path, sha256: str) -> Path | None:
    """Rename a damaged file aside (``<sha>.damaged-<utc time>``); never deleted."""
    source = path_for(folder, sha256)
    if not source.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = source.with_name(f"{sha256}.damaged-{stamp}")
    os.replace(source, target)
    return target


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
