# SPDX-License-Identifier: Apache-2.0
"""Records as the calling client reads them: one place for every path that serves them.

A client announces what it reads: ``X-Sync-Features`` (``text-codes``: the record
fields in ``schemas.ADDITIVE_FIELDS``; ``withdrawal-reasons``: reasons on visit
tombstones) and ``X-Insight-Kinds``.  A client that does not (one from before) gets
records its strict schema parses: no additive fields, an unknown insight kind as its
fallback.  The sync pull, the records in push results, the scoped reads (``GET
/v1/visits``, ``/v1/visits/{id}``, ``/v1/sites/{id}``, ``/v1/insights/{id}``) and the
admin's visit patch all shape their records here, so no path sends an older client a
field it refuses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from concierge.protocol import schemas
from concierge_office import records
from concierge_office.serve import with_office_phone
from concierge_office.state import state_of


def _features(header: str) -> frozenset[str]:
    return frozenset(part.strip() for part in header.split(",") if part.strip())


@dataclass(frozen=True)
class ClientView:
    features: frozenset[str]  # the sync features the client announced
    kinds: frozenset[str]  # the insight kinds it reads
    office_phone: str  # the office's "who to call" for a site contract without one

    @classmethod
    def of(cls, request: Request) -> ClientView:
        return cls(
            features=_features(request.headers.get(schemas.SYNC_FEATURES_HEADER, "")),
            kinds=records.client_kinds(request.headers.get(schemas.INSIGHT_KINDS_HEADER)),
            office_phone=state_of(request).config.office_phone,
        )

    @property
    def reads_withdrawal_reasons(self) -> bool:
        return schemas.WITHDRAWAL_REASONS in self.features

    def record(self, entity: str, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` (a record in wire form) as this client reads it."""
        if entity == "insight":
            data = records.insight_for(data, self.kinds)
        elif entity == "site":
            data = with_office_phone(data, self.office_phone)
        if schemas.TEXT_CODES not in self.features:
            data = records.without_text_codes(data)
        return data

    def response(self, entity: str, data: dict[str, Any] | list[dict[str, Any]]) -> Response:
        """One record, or a list of them, as this client reads them (JSON)."""
        shaped: Any = ([self.record(entity, d) for d in data] if isinstance(data, list)
                       else self.record(entity, data))
        return Response(json.dumps(shaped, separators=(",", ":")),
                        media_type="application/json")
