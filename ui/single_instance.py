# SPDX-License-Identifier: Apache-2.0
"""One app per data folder: a second launch hands its arguments to the running one.

The running app listens on a local socket named after its data folder; a second launch
(a double-click on the desktop icon) connects, sends its arguments and exits, and the
running window comes to the front. The store's writer lock
(``concierge.store.writer_lock``) still refuses a second writer that gets past this.
"""

from __future__ import annotations

import json
import logging
import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:  # QtNetwork loads only once the window is up (start-up cost)
    from PySide6.QtNetwork import QLocalSocket

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_MS = 500
SEND_TIMEOUT_MS = 2_000


def server_name(data_folder: Path) -> str:
    """A name per data folder (zlib, not hashlib: OpenSSL would cost start-up memory)."""
    path = str(data_folder.resolve()).encode()
    return f"field-concierge-{zlib.crc32(path):08x}{zlib.adler32(path):08x}"


def hand_over(data_folder: Path, arguments: Sequence[str]) -> bool:
    """Pass ``arguments`` to an app already running on ``data_folder``; False if none.

    On POSIX a plain Unix socket speaks to the running app's QLocalServer (its socket
    lives in the temp folder), so a start that finds nobody pays no QtNetwork import."""
    message = json.dumps(list(arguments)).encode() + b"\n"
    if os.name == "posix":
        return _hand_over_posix(server_name(data_folder), message)
    from PySide6.QtNetwork import QLocalSocket

    socket = QLocalSocket()
    socket.connectToServer(server_name(data_folder))
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    socket.write(message)
    socket.flush()
    socket.waitForBytesWritten(SEND_TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


def _hand_over_posix(name: str, message: bytes) -> bool:
    path = os.path.join(os.environ.get("TMPDIR") or "/tmp", name)  # QDir::tempPath()
    if not os.path.exists(path):
        return False  # nobody listens (no need to import socket to find out)
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as peer:
        peer.settimeout(CONNECT_TIMEOUT_MS / 1000)
        try:
            peer.connect(path)
            peer.sendall(message)
        except OSError:
            return False  # nobody listening (or a crashed app's stale socket)
    return True


class InstanceServer(QObject):
    """Listens for later launches on this data folder; ``launched`` carries their arguments."""

    launched = Signal(list)

    def __init__(self, data_folder: Path, parent: QObject | None = None) -> None:
        from PySide6.QtNetwork import QLocalServer

        super().__init__(parent)
        self.server = QLocalServer(self)
        self._sockets: list[QLocalSocket] = []
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        name = server_name(data_folder)
        if not self.server.listen(name):
            QLocalServer.removeServer(name)  # a crashed app's stale socket
            if not self.server.listen(name):
                log.warning("Cannot listen for second launches: %s", self.server.errorString())
        self.server.newConnection.connect(self._accept)

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            socket.setParent(self)
            self._sockets.append(socket)
            socket.readyRead.connect(self._read_all)
            socket.disconnected.connect(self._read_all)

    def _read_all(self) -> None:
        for socket in list(self._sockets):
            while socket.canReadLine():
                self._arrived(bytes(socket.readLine().data()))
            if socket.state() == socket.LocalSocketState.UnconnectedState:
                self._sockets.remove(socket)
                socket.deleteLater()

    def _arrived(self, line: bytes) -> None:
        try:
            arguments = json.loads(line.decode())
        except ValueError:
            arguments = []
        log.info("A second launch on this data folder: bringing the window forward")
        self.launched.emit([str(a) for a in arguments] if isinstance(arguments, list) else [])

    def close(self) -> None:
        self.server.close()


def bring_forward(window: object) -> None:
    """Show ``window`` in front of the others (un-minimised)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWidget

    assert isinstance(window, QWidget)
    window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()
