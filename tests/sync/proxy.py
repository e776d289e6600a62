"""A loopback HTTP proxy between the app and the back office that injects faults."""

from __future__ import annotations

import gzip
import http.client
import itertools
import random
import socket
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import brotli
import zstandard

# "reset", "500", "503", "429", "truncate", "latency", "lost" (the server handles the
# request, its reply is dropped), "trickle" (the reply comes a byte at a time, too slowly),
# "stall" (headers, then nothing) or None
Fault = str | None
_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.choose_fault: Callable[[str, str], Fault] = lambda method, path: None
        self.offline = False
        self.hold_path: str | None = None  # hold the upstream reply of this path ...
        self.held = threading.Event()  # ... announce it here ...
        self.release = threading.Event()  # ... and drop it once released
        self.trickle_pace = 0.5  # seconds per byte of a trickled reply
        self.log: list[tuple[str, str, str]] = []
        self.sent_headers: list[tuple[str, str, dict[str, str]]] = []  # (method, path, headers)
        self.replies: list[tuple[str, bytes]] = []  # (path with query, body) delivered whole
        self.drop_params: frozenset[str] = frozenset()  # query parameters the office never sees
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="concierge-test-proxy",
            kwargs={"poll_interval": 0.05}, daemon=True,
        )
        self._thread.start()

    def record(self, method: str, path: str, outcome: str) -> None:
        with self._lock:
            self.log.append((method, path, outcome))

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # broken connections are the point here


def _without(path: str, params: frozenset[str]) -> str:
    """``path`` without the query parameters named (as an older office ignores them)."""
    if not params or "?" not in path:
        return path
    base, query = path.split("?", 1)
    kept = [part for part in query.split("&") if part.split("=", 1)[0] not in params]
    return f"{base}?{'&'.join(kept)}" if kept else base


def _decoded(headers: list[tuple[str, str]], data: bytes) -> bytes:
    """A reply's body as the client reads it (replies may be compressed)."""
    coding = next((v for k, v in headers if k.lower() == "content-encoding"), "identity")
    if coding == "gzip":
        return gzip.decompress(data)
    if coding == "zstd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    if coding == "br":
        return brotli.decompress(data)  # type: ignore[no-any-return]
    return data


ALL_FAULTS = ("reset", "500", "503", "429", "truncate", "latency", "lost", "trickle", "stall")


def random_faults(
    rate: float, seed: int, kinds: tuple[str, ...] = ("reset", "500", "503", "429", "truncate",
                                                      "latency"),
) -> Callable[[str, str], Fault]:
    """Fault exactly ``rate`` of requests (spread evenly, from a seeded start), taking turns
    through ``kinds`` of fault."""
    rng = random.Random(seed)
    turns = itertools.cycle(kinds)
    lock = threading.Lock()
    credit = rng.random()

    def choose(method: str, path: str) -> Fault:
        nonlocal credit
        with lock:
            credit += rate
            if credit < 1.0:
                return None
            credit -= 1.0
            return next(turns)

    return choose


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            path = self.path.split("?")[0]
            with proxy._lock:
                proxy.sent_headers.append((self.command, path, dict(self.headers.items())))
            fault = proxy.choose_fault(self.command, path)
            if proxy.offline or fault == "reset":
                proxy.record(self.command, path, "reset")
                self._reset()
                return
            if fault in ("500", "503", "429"):
                proxy.record(self.command, path, f"injected {fault}")
                self._error(int(fault))
                return
            if fault == "latency":
                time.sleep(random.uniform(0.05, 0.3))  # simulated network latency
            status, headers, data = self._forward(body)
            if fault == "lost":
                proxy.record(self.command, path, f"{status} lost")
                self._reset()
                return
            if proxy.hold_path == path and not proxy.release.is_set():
                proxy.record(self.command, path, f"held {status}")
                proxy.held.set()
                proxy.release.wait(60)
                self._reset()
                return
            proxy.record(self.command, path, f"{status} {fault}" if fault else str(status))
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in _HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if fault in ("trickle", "stall") and data:
                self._slowly(data, stall=fault == "stall")
                return
            if fault == "truncate" and data:
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self._reset()
                return
            self.wfile.write(data)
            with proxy._lock:
                proxy.replies.append((self.path, _decoded(headers, data)))

        def _forward(self, body: bytes | None) -> tuple[int, list[tuple[str, str]], bytes]:
            conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                conn.request(self.command, _without(self.path, proxy.drop_params), body=body,
                             headers=headers)
                reply = conn.getresponse()
                return reply.status, reply.getheaders(), reply.read()
            finally:
                conn.close()

        def _error(self, status: int) -> None:
            data = b'{"error":{"code":"injected","message":"Injected fault.","details":[]}}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 429:
                self.send_header("Retry-After", "1")
            self.end_headers()
            self.wfile.write(data)

        def _slowly(self, data: bytes, *, stall: bool) -> None:
            """A byte every ``proxy.trickle_pace`` s ("trickle"), or a few bytes and then
            nothing ("stall"), until the client gives up or the proxy closes."""
            for index, byte in enumerate(data):
                if stall and index >= 8:
                    proxy.release.wait(60)
                    break
                if proxy.release.wait(proxy.trickle_pace):
                    break
                try:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                except OSError:
                    return
            self._reset()

        def _reset(self) -> None:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        do_GET = do_POST = do_PUT = do_HEAD = do_PATCH = do_DELETE = _any

    return Handler
