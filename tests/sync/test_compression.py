"""The client compresses large uploads once the office said it reads them, and reads
compressed replies."""

from __future__ import annotations

import requests

from concierge.api.compression import MINIMUM_SIZE, accepted_codings, encode_body
from tests.sync.conftest import Laptop, local_visits


def test_large_uploads_travel_compressed_and_are_applied(laptop: Laptop) -> None:
    sent: list[tuple[str | None, str | None]] = []

    def note(response: requests.Response, *_: object, **__: object) -> None:
        request = response.request
        sent.append((request.method, request.headers.get("Content-Encoding")))

    laptop.client._session.hooks["response"].append(note)
    assert laptop.sync().ok
    assert laptop.client.request_codings == {"gzip", "zstd"}
    visit_id = next(iter(local_visits(laptop.store)))
    notes = "Access via the loading bay; ask for Mr Weber at the gate. " * 300  # ~17 KB
    laptop.store.update_visit(visit_id, technician_notes=notes)
    sent.clear()
    result = laptop.sync()
    assert result.ok and result.pushed == 1, result
    assert ("POST", "zstd") in sent
    assert local_visits(laptop.store)[visit_id]["technician_notes"] == notes


def test_small_bodies_and_offices_that_read_no_coding_get_plain_bodies() -> None:
    big = b"x" * (MINIMUM_SIZE * 4)
    assert encode_body(b"{}", frozenset({"zstd"})) == (b"{}", None)
    assert encode_body(big, frozenset()) == (big, None)  # an older office: never compressed
    assert encode_body(big, frozenset({"gzip"}))[1] == "gzip"
    assert encode_body(big, frozenset({"gzip", "zstd"}))[1] == "zstd"
    assert accepted_codings({"Accept-Encoding": "gzip;q=1.0, ZSTD"}) == {"gzip", "zstd"}
