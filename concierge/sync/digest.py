# SPDX-License-Identifier: Apache-2.0
"""The office's digest for the technician (#19): praise, follow-ups and "did it hold",
fetched after a sync and kept in the store, so the screens work offline."""

from __future__ import annotations

from pydantic import ValidationError

from concierge.protocol import schemas
from concierge.store import Store

DIGEST_KEY = "serve_digest"


def keep_digest(store: Store, digest: schemas.ServeDigest) -> None:
    """Keep the digest fetched (replacing the last copy)."""
    store.replication.set_meta(DIGEST_KEY, digest.model_dump_json())


def cached_digest(store: Store) -> schemas.ServeDigest:
    """The last digest fetched (empty before the first, or if it cannot be read)."""
    raw = store.replication.meta(DIGEST_KEY)
    if raw:
        try:
            return schemas.ServeDigest.model_validate_json(raw)
        except ValidationError:
            pass
    return schemas.ServeDigest(tasks=[], held=[])
