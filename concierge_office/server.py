# SPDX-License-Identifier: Apache-2.0
"""Run the back office embedded in another process (laptop demo mode, tests)."""

from __future__ import annotations

import socket
import tempfile
import threading
from pathlib import Path
from types import TracebackType

import uvicorn

from concierge_office.service import BackOffice
from concierge_office.state import Clock

_START_TIMEOUT = 15.0


class _Server(uvicorn.Server):
    """A uvicorn server that tells when it is serving."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self.ready.set()


class EmbeddedBackOffice:
    """A back office serving HTTP on 127.0.0.1 from a background thread."""

    def __init__(
        self, service: BackOffice, port: int, tempdir: tempfile.TemporaryDirectory[str] | None
    ) -> None:
        self.service = service
        self._tempdir = tempdir
        # An explicit IPPROTO_TCP lets asyncio set TCP_NODELAY on accepted connections
        # (with proto 0 it does not, and keep-alive responses wait ~40 ms on delayed ACKs).
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", port))
        self._socket.listen(128)
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            service.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
            proxy_headers=False,  # X-Forwarded-For only from configured proxies (throttle.py)
        )
        self._server = _Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"concierge-office-http-{self.port}",
            daemon=True,
        )
        self._stopped = False
        self._thread.start()
        if not self._server.ready.wait(_START_TIMEOUT) or not self._server.started:
            self.stop()
            raise RuntimeError("the embedded back office did not start")

    @property
    def database_url(self) -> str:
        return self.service.config.database_url

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.should_exit = True
        self._thread.join(timeout=_START_TIMEOUT)
        self._socket.close()
        self.service.close()
        if self._tempdir is not None:
            self._tempdir.cleanup()

    def __enter__(self) -> EmbeddedBackOffice:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_embedded(
    database_url: str | None = None,
    *,
    demo: bool = True,
    seed: int = 7,
    speed: float = 1.0,
    live: bool = True,
    port: int = 0,
    access_ttl_seconds: float = 15 * 60.0,
    refresh_grace_seconds: float = 60.0,
    tombstone_retention_seconds: float = 60 * 86_400.0,
    office_phone: str = "",
    clock: Clock | None = None,
) -> EmbeddedBackOffice:
    """Start a back office on 127.0.0.1 (``port`` 0 picks a free one).

    ``database_url`` None uses a fresh SQLite file deleted on ``stop()``; a given
    URL persists, so stopping and starting again on it resumes the same office.
    ``clock``: the office's time (e.g. ``Clock(0, origin=t)`` stands still at ``t``).
    """
    tempdir = None
    if database_url is None:
        tempdir = tempfile.TemporaryDirectory(prefix="concierge-office-")
        database_url = f"sqlite:///{Path(tempdir.name) / 'backoffice.sqlite'}"
    try:
        service = BackOffice(
            database_url,
            demo=demo,
            seed=seed,
            speed=speed,
            live=live,
            access_ttl_seconds=access_ttl_seconds,
            refresh_grace_seconds=refresh_grace_seconds,
            tombstone_retention_seconds=tombstone_retention_seconds,
            office_phone=office_phone,
            clock=clock,
        )
    except BaseException:
        if tempdir is not None:
            tempdir.cleanup()
        raise
    try:
        return EmbeddedBackOffice(service, port, tempdir)
    except BaseException:
        service.close()
        if tempdir is not None:
            tempdir.cleanup()
        raise
