"""Compressed replies by Accept-Encoding, compressed uploads, and no zip bombs."""

from __future__ import annotations

import gzip
import json
import zlib

import pytest
import requests
import zstandard

from concierge_office.server import EmbeddedBackOffice
from tests.office.conftest import LoginFactory, mutation

LIMIT = 16 * 1024 * 1024  # Config.max_json_body


def _raw_get(url: str, token: str, accept: str) -> requests.Response:
    """The reply as it came over the wire (urllib3 not decoding it)."""
    response = requests.get(f"{url}/v1/sync/changes", params={"limit": 500}, stream=True,
                            headers={"Authorization": f"Bearer {token}",
                                     "Accept-Encoding": accept}, timeout=30)
    response.raw.decode_content = False
    return response


def _unzstd(data: bytes) -> bytes:
    return zstandard.ZstdDecompressor().decompressobj().decompress(data)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("accept", "coding", "decode"),
    [
        ("zstd", "zstd", _unzstd),
        ("gzip", "gzip", gzip.decompress),
        ("gzip, zstd", "zstd", _unzstd),
        ("identity", None, lambda b: b),
    ],
)
def test_replies_are_compressed_as_the_client_accepts(
    office: EmbeddedBackOffice, login: LoginFactory, accept: str, coding: str | None, decode: object
) -> None:
    ana = login(office, "ana")
    plain = ana.get("/v1/sync/changes", params={"limit": 500},
                    headers={"Accept-Encoding": "identity"})
    response = _raw_get(office.url, ana.tokens["access_token"], accept)
    wire = response.raw.read()
    assert response.headers.get("Content-Encoding") == coding
    assert json.loads(decode(wire)) == plain.json()  # type: ignore[operator]
    if coding:
        assert len(wire) < len(plain.content) / 3


def test_every_reply_says_which_request_codings_the_office_reads(
    office: EmbeddedBackOffice,
) -> None:
    response = requests.get(f"{office.url}/v1/health", timeout=10)
    assert {c.strip() for c in response.headers["Accept-Encoding"].split(",")} == {"gzip", "zstd"}


@pytest.mark.parametrize(
    ("coding", "compress"),
    [("gzip", gzip.compress), ("zstd", lambda b: zstandard.ZstdCompressor().compress(b))],
)
def test_compressed_uploads_are_applied(
    fresh_office: EmbeddedBackOffice, login: LoginFactory, coding: str, compress: object
) -> None:
    ana = login(fresh_office, "ana")
    visit = ana.ok("GET", "/v1/visits")[0]
    notes = "Bring the long ladder. " * 800  # a body worth compressing
    body = json.dumps({"mutations": [mutation("visit", visit["id"], visit["version"],
                                              {"technician_notes": notes})]}).encode()
    response = ana.post("/v1/sync/push", data=compress(body),  # type: ignore[operator]
                        headers={"Content-Type": "application/json", "Content-Encoding": coding})
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["status"] == "applied"
    assert ana.ok("GET", f"/v1/visits/{visit['id']}")["technician_notes"] == notes


def _gzip_bomb(size: int) -> bytes:
    squeezer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    parts = [squeezer.compress(block) for _ in range(size >> 20)]
    return b"".join(parts) + squeezer.flush()


def _zstd_bomb(size: int) -> bytes:
    return zstandard.ZstdCompressor(level=19).compress(b"\0" * size)


@pytest.mark.parametrize(("coding", "bomb"), [("gzip", _gzip_bomb), ("zstd", _zstd_bomb)])
def test_a_body_that_inflates_past_the_limit_is_413(
    office: EmbeddedBackOffice, login: LoginFactory, coding: str, bomb: object
) -> None:
    ana = login(office, "ana")
    payload = bomb(4 * LIMIT)  # type: ignore[operator]
    assert len(payload) < LIMIT // 100  # small on the wire, 64 MiB inflated
    response = ana.post("/v1/sync/push", data=payload,
                        headers={"Content-Type": "application/json", "Content-Encoding": coding})
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("coding", "body", "status"),
    [
        ("gzip", b"not gzip at all", 400),
        ("gzip", gzip.compress(b'{"mutations": []}')[:-12], 400),  # truncated
        ("zstd", b"not zstd", 400),
        ("br", b"whatever", 415),
    ],
)
def test_bad_compressed_bodies_get_a_clear_4xx(
    office: EmbeddedBackOffice, login: LoginFactory, coding: str, body: bytes, status: int
) -> None:
    ana = login(office, "ana")
    response = ana.post("/v1/sync/push", data=body,
                        headers={"Content-Type": "application/json", "Content-Encoding": coding})
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]
