# SPDX-License-Identifier: Apache-2.0
"""Plain value types the store hands out (rows for the board, status, conflicts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from concierge.events import Event

if TYPE_CHECKING:  # numpy loads with the first telemetry read, not with the board
    import numpy as np
    import numpy.typing as npt

    from concierge.protocol import schemas

    FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TelemetryWindow:
    """Columnar series: bucket (or reading) start in epoch seconds, with mean/min/max."""

    t: FloatArray
    mean: FloatArray
    min: FloatArray
    max: FloatArray

    def __len__(self) -> int:
        return int(self.t.size)


@dataclass(frozen=True)
class ConflictRow:
    """A change the office and the technician both made; waits for the person."""

    id: int
    entity: str
    entity_id: str
    local: dict[str, Any]
    server: dict[str, Any]
    fields_differing: list[str]
    created_at: datetime


@dataclass(frozen=True)
class RejectedOp:
    """A change the server refused, with its reason; stays listed until dismissed."""

    op_id: str
    entity: str
    entity_id: str
    payload: dict[str, Any]
    reason: str
    code: str
    made_at: datetime


@dataclass(frozen=True)
class OutboxOp:
    """A queued local change, as pushed."""

    op_id: str
    entity: str
    entity_id: str
    base_version: int | None
    payload: dict[str, Any]
    made_at: datetime


@dataclass(frozen=True)
class SetAside:
    """A pulled change this app cannot read, and why: kept out of the records."""

    change: schemas.Change
    problem: str


@dataclass(frozen=True)
class StoreChange:
    """What changed: entity names and the ids touched."""

    entities: frozenset[str]
    ids: frozenset[str]


@dataclass
class StoreEvents:
    changed: Event[StoreChange] = field(default_factory=lambda: Event("store.changed"))


@dataclass
class PushOutcome:
    """What one batch of push results did locally."""

    acknowledged: int = 0
    conflicts: int = 0
    rejected: int = 0
    changed: set[tuple[str, str]] = field(default_factory=set)


@dataclass(frozen=True)
class WithdrawnVisit:
    """A visit the office took off this technician, kept on the laptop, and why.

    ``code``: cancelled, reassigned, resolved_remotely, or one this app does not know; None
    when the office sent no reason (an older office).  ``note``: the office's words.
    ``at``: when the office withdrew it (else when this laptop learnt of it).
    """

    visit_id: str
    code: str | None
    note: str
    at: datetime | None


@dataclass(frozen=True)
class NearPull:
    """A first sync's pull of today's and tomorrow's work, before the rest: its window, the
    cursor it has reached, and once done its last cursor (the rest's ``skip``)."""

    start: datetime
    end: datetime
    cursor: str | None = None
    skip: str | None = None


@dataclass
class PageOutcome:
    applied: int = 0
    new_urgent_visit_ids: list[str] = field(default_factory=list)
    changed: set[tuple[str, str]] = field(default_factory=set)
