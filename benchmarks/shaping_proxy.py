"""A TCP proxy on loopback that behaves like a field link: bandwidth, latency, loss.

Each direction is a queue of chunks.  A chunk leaves after half the round-trip time,
then occupies the link for ``len / rate`` seconds; a lost segment is emulated as a
retransmission delay (TCP's minimum RTO plus one round trip) on that chunk, as the
receiver sees it.  Counts bytes each way and the HTTP requests the client sends.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
from dataclasses import dataclass

CHUNK = 16 * 1024
MIN_RTO = 0.2
_REQUEST_START = re.compile(rb"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /")


@dataclass(frozen=True)
class Link:
    name: str
    down_bits: float  # bits per second, office -> laptop
    up_bits: float
    rtt: float  # seconds
    loss: float = 0.0  # share of chunks that need a retransmission


RURAL_LTE = Link("rural LTE", 1e6, 256e3, 0.150, 0.01)
GOOD_4G = Link("good 4G", 10e6, 10e6, 0.040)


class _Direction:
    def __init__(self, rate_bits: float, link: Link, rng: random.Random) -> None:
        self.rate = rate_bits / 8.0
        self.link = link
        self.rng = rng
        self.free_at = 0.0
        self.bytes = 0

    def delivery_time(self, now: float, size: int) -> float:
        start = max(now + self.link.rtt / 2, self.free_at)
        self.free_at = start + size / self.rate
        extra = MIN_RTO + self.link.rtt if self.rng.random() < self.link.loss else 0.0
        self.bytes += size
        return self.free_at + extra


class ShapingProxy:
    """Forward 127.0.0.1:<port> to ``upstream`` through the shaped link (own thread)."""

    def __init__(self, upstream_port: int, link: Link, seed: int = 1) -> None:
        self.link = link
        self._upstream = upstream_port
        self._rng = random.Random(seed)
        self.down = _Direction(link.down_bits, link, self._rng)
        self.up = _Direction(link.up_bits, link, self._rng)
        self.requests = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="shaping-proxy")
        self._thread.start()
        self._ready.wait(10)
        self.url = f"http://127.0.0.1:{self.port}"

    def reset_counts(self) -> None:
        self.down.bytes = self.up.bytes = self.requests = 0

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _shutdown(self) -> None:
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self._upstream)
            await asyncio.gather(self._pump(client_r, server_w, self.up, count=True),
                                 self._pump(server_r, client_w, self.down, count=False))
        except asyncio.CancelledError:
            client_w.close()  # the proxy stops; asyncio's stream callback must not see it


    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    direction: _Direction, *, count: bool) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                await asyncio.sleep(max(0.0, due - loop.time()))
                writer.write(data)
                await writer.drain()
            writer.close()

        sender = asyncio.create_task(deliver())
        try:
            while data := await reader.read(CHUNK):
                if count and _REQUEST_START.match(data):
                    self.requests += 1
                queue.put_nowait((direction.delivery_time(loop.time(), len(data)), data))
        except ConnectionError:
            pass  # the peer went away: deliver what was read, then close
        queue.put_nowait((0.0, b""))
        await sender
