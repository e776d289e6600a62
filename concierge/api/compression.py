# SPDX-License-Identifier: Apache-2.0
"""Compress large request bodies for an office that said it can read them (RFC 7694).

Replies need nothing here: urllib3 decodes gzip, brotli and zstd and advertises what
it can decode.  For uploads the office lists the codings it accepts in an
``Accept-Encoding`` response header; until one reply has said so, bodies go plain,
so an older office keeps working.
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Mapping

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

MINIMUM_SIZE = 8 * 1024  # smaller bodies travel in one or two packets anyway
ZSTD_LEVEL = 3
GZIP_LEVEL = 6


def accepted_codings(headers: Mapping[str, str]) -> frozenset[str]:
    """The request codings a reply's ``Accept-Encoding`` header lists (lowercase)."""
    value = headers.get("Accept-Encoding", "")
    return frozenset(c.split(";")[0].strip().lower() for c in value.split(",") if c.strip())


def encode_body(body: bytes, accepted: frozenset[str]) -> tuple[bytes, str | None]:
    """``body`` compressed with the best coding the office accepts, and that coding."""
    if len(body) < MINIMUM_SIZE:
        return body, None
    if "zstd" in accepted:
        return zstd.compress(body, level=ZSTD_LEVEL), "zstd"
    if "gzip" in accepted:
        return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0), "gzip"
    return body, None
