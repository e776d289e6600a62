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


def check_storable(text: str, value: Any, name: str) -> None:
    """Refuse text the office cannot keep or serve back: lone surrogates and NUL.

    ``text`` is ``dumps(value)``; the value is walked only when the text holds either,
    to name the field (``ValueError: data.note: ...``).
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        if "\x00" not in text and "\\u0000" not in text:
            return
    where = _unstorable_at(value, [name])
    if where is not None:
        from concierge.store.db import StoreRefusal  # db imports nothing from here

        raise StoreRefusal(
            "store_text_unstorable",
            f"{'.'.join(map(str, where))}: text must not contain a lone surrogate or NUL",
        )


def _unstorable_at(value: Any, path: list[str | int]) -> list[str | int] | None:
    if isinstance(value, str):
        return path if _unstorable(value) else None
    items: Any = ()
    if isinstance(value, Mapping):
        for key in value:
            if isinstance(key, str) and _unstorable(key):
                return [*path, key.encode("utf-8", "replace").decode()]
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    for key, item in items:
        found = _unstorable_at(item, [*path, key])
        if found is not None:
            return found
    return None


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
