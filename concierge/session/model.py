# SPDX-License-Identifier: Apache-2.0
"""The session document: everything the technician records, as typed pydantic models.

It is stored as ``SessionRecord.data`` (JSON); unknown keys from newer versions are ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from concierge.domain import StepType
from concierge.i18n import N_

DOC_VERSION = 1

WISH_TAGS: dict[str, str] = {  # English, stored; shown through the catalogue (``_``)
    "comfort": N_("Comfort"),
    "noise": N_("Noise"),
    "cost": N_("Energy cost"),
    "reliability": N_("Reliability"),
    "speed": N_("Speed"),
}

StepStatus = Literal["open", "done", "skipped"]
StepValue = bool | float | str | None
Point = tuple[float, float]


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class Wishes(Model):
    text: str = ""
    tags: list[str] = []
    customer_present: bool = True
    present: list[str] = Field(default=[], description="Names or roles of everyone present.")


class KpiBaseline(Model):
    """A KPI of one asset over the baseline window, from cached telemetry."""

    asset_id: str
    kpi: str
    value: float | None = None  # None: no telemetry in the window
    n: int = 0
    p05: float | None = None
    p95: float | None = None
    slope_per_day: float | None = None
    window_start: float = 0.0  # epoch seconds
    window_end: float = 0.0


class Measurement(Model):
    asset_id: str
    kpi: str
    value: float
    at: datetime
    note: str = ""


class ChecklistItem(Model):
    """One generated checklist step (template step, insight step or core step)."""

    id: str
    asset_id: str = ""  # "" for a session-wide step
    key: str
    title: str
    instructions: str = ""
    type: StepType
    required: bool = True
    unit: str | None = None
    target_low: float | None = None
    target_high: float | None = None
    choices: list[str] = []
    metric: str | None = None
    insight_ids: list[str] = []
    reasons: list[str] = []


class StepResult(Model):
    status: StepStatus = "open"
    value: StepValue = None
    attachments: list[str] = []
    note: str = ""
    skip_reason: str = ""
    at: datetime | None = None


class Signature(Model):
    strokes: list[list[Point]] = Field(default=[], description="Points normalised to 0..1.")
    png: str | None = None  # sha256 of the rendered image, once captured
    at: datetime | None = None
    signer: str = Field(default="", description="The signer's name in print.")


class SignOff(Model):
    name: str
    at: datetime


class SessionDoc(Model):
    doc_version: int = DOC_VERSION
    visited: list[str] = []
    wishes: Wishes = Wishes()
    baseline: list[KpiBaseline] = []
    spot: list[Measurement] = []
    checklist: list[ChecklistItem] = []
    results: dict[str, StepResult] = {}
    after: list[Measurement] = []
    recommendations: list[str] = []
    follow_ups: list[str] = []
    rating: int | None = Field(default=None, ge=1, le=5)
    comment: str = ""
    signature: Signature = Signature()
    sign_off: SignOff | None = None
    report: str | None = None  # sha256 of the report PDF
    report_language: str | None = None  # the technician's choice; None: the customer's
    outcome: str = ""  # one line on what improved, set on completion

    def result(self, item_id: str) -> StepResult:
        return self.results.get(item_id) or StepResult()

    def latest(
        self, which: Literal["spot", "after"], asset_id: str, kpi: str
    ) -> Measurement | None:
        rows = self.spot if which == "spot" else self.after
        found = [m for m in rows if m.asset_id == asset_id and m.kpi == kpi]
        return found[-1] if found else None

    def attachment_shas(self) -> list[str]:
        """Every file the session references, each once, in a stable order."""
        shas = [sha for r in self.results.values() for sha in r.attachments]
        shas += [s for s in (self.signature.png, self.report) if s]
        return list(dict.fromkeys(shas))
