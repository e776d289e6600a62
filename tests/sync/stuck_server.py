"""A loopback server that misbehaves on purpose: trickles, stalls, asks to come back later,
repeats its cursor or fails every time.  Counts the requests that reach it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CURSORS = ("c2VxOjE", "c2VxOjI")  # pages that go round between two cursors


class StuckServer:
    """``mode``: "trickle" (1 byte per ``pace`` s), "retry-after" (503, Retry-After
    ``retry_after``), "same-cursor" (pages that go round in a circle) or "fail" (503)."""

    def __init__(self, mode: str, *, pace: float = 0.5, retry_after: int = 3600) -> None:
        self.mode, self.pace, self.retry_after = mode, pace, retry_after
        self.requests = 0
        self.stop = threading.Event()
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                with owner._lock:
                    owner.requests += 1
                owner.answer(self)

            do_GET = do_POST = do_PUT = do_HEAD = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="concierge-test-stuck-server")
        self._thread.start()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        if self.mode in ("retry-after", "fail"):
            body = b'{"error":{"code":"unavailable","message":"Down.","details":[]}}'
            handler.send_response(503)
            if self.mode == "retry-after":
                handler.send_header("Retry-After", str(self.retry_after))
        else:
            page = {"changes": [], "cursor": CURSORS[self.requests % 2], "has_more": True}
            body = json.dumps(page).encode()
            handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if self.mode != "trickle":
            handler.wfile.write(body)
            return
        for byte in body:  # one byte at a time, never fast enough
            if self.stop.wait(self.pace):
                return
            try:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@contextmanager
def stuck_server(mode: str, **kwargs: Any) -> Iterator[StuckServer]:
    server = StuckServer(mode, **kwargs)
    try:
        yield server
    finally:
        server.close()


def finishes_within(seconds: float, func: Any) -> Any:
    """``func()``'s result if it returns within ``seconds``, else AssertionError (the
    call is left running on a daemon thread)."""
    box: list[Any] = []
    worker = threading.Thread(target=lambda: box.append(func()), daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(seconds)
    assert box, f"still running after {time.monotonic() - started:.1f} s"
    return box[0]
