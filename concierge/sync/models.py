# SPDX-License-Identifier: Apache-2.0
"""Values and events of a sync."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from concierge.events import Event
from concierge.sync.failures import SyncFailure

# "telemetry": evidence of today's and tomorrow's open visits (and overdue ones).
# "history": the board is usable; the other open visits' telemetry follows.
Phase = Literal["push", "pull", "telemetry", "history"]
BOARD_READY_PHASES: frozenset[Phase] = frozenset({"history"})


@dataclass(frozen=True)
class SyncProgress:
    """``total`` 0 means not known yet (pulling: the server tells page by page)."""

    phase: Phase
    done: int
    total: int

    @property
    def board_ready(self) -> bool:
        """Today's work is on the board with its evidence; the rest comes in the background."""
        return self.phase in BOARD_READY_PHASES


@dataclass(frozen=True)
class SyncResult:
    ok: bool
    error: str | None  # English, for the log; people see ``failure`` rendered
    pushed: int
    pulled: int
    conflicts: int
    rejected: int
    new_urgent_visit_ids: list[str]
    finished_at: datetime
    offline: bool = False
    busy: bool = False  # another process was syncing this data folder: nothing was done
    set_aside: int = 0  # pulled records this app cannot read: listed under "needs attention"
    retry_at: datetime | None = None  # after a transient failure: when the next try runs
    failure: SyncFailure | None = None  # why it failed, as a code: render with failure_text


ANOTHER_SYNC_RUNNING = "Another sync of this data is running (another window or `concierge sync`)."


@dataclass(frozen=True)
class SyncOptions:
    batch_size: int = 100  # ops per push request
    page_size: int = 500  # changes per pull request
    telemetry_every: float = 300.0  # seconds (server time) between telemetry refreshes
    telemetry_assets_per_request: int = 100  # the most one request may name
    telemetry_in_flight: int = 2  # windows requests at once (the office reads while we store)
    deadline: float | None = 600.0  # seconds one run may take in all; then it is rescheduled
    retry_delay: float = 60.0  # seconds before the first retry of a failed run; doubles
    max_retry_delay: float = 3600.0  # longest wait between runs, Retry-After included


@dataclass
class SyncEvents:
    """Emitted from the syncing thread."""

    progress: Event[SyncProgress] = field(default_factory=lambda: Event("sync.progress"))
    started: Event[None] = field(default_factory=lambda: Event("sync.started"))
    finished: Event[SyncResult] = field(default_factory=lambda: Event("sync.finished"))
    online_changed: Event[bool] = field(default_factory=lambda: Event("sync.online_changed"))
