# SPDX-License-Identifier: Apache-2.0
"""Compact JSON for stored records."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def loads(text: str | bytes) -> Any:
    return json.loads(text)


def dumps_object(fields: Mapping[str, Any], encoded: Mapping[str, str]) -> str:
    """``dumps(fields)``, except that the values named in ``encoded`` are JSON text already.

    Lets one serialisation of a large value (a session document) go into several
    stored texts (the record and its outbox payload); same text as ``dumps``.
    """
    parts = [
        f"{dumps(key)}:{encoded[key] if key in encoded else dumps(value)}"
        for key, value in fields.items()
    ]
    return "{" + ",".join(parts) + "}"
