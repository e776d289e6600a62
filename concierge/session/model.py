# SPDX-License-Identifier: Apache-2.0
"""The session document: everything the technician records, as typed pydantic models.

It is stored as ``SessionRecord.data`` (JSON); unknown keys from newer versions are ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


WishAnswer = Literal["yes", "partly", "not_yet"]
WISH_ANSWERS: tuple[WishAnswer, ...] = ("yes", "partly", "not_yet")


class Wish(Model):
    """One thing the customer asked for, and what the customer says became of it."""

    id: str
    text: str
    tags: list[str] = []
    answer: WishAnswer | None = None  # "Did we solve this for you?"; None: not asked yet
    comment: str = ""
    origin: str = ""  # the first visit's wish id when carried over from an earlier visit
    since: str = ""  # the earlier visit's date (ISO) when carried over
    last_answer: WishAnswer | None = None  # the answer given at that earlier visit

    @property
    def status(self) -> Literal["open", "solved", "partly", "not_yet"]:
        return "solved" if self.answer == "yes" else (self.answer or "open")

    @property
    def carried(self) -> bool:
        return bool(self.origin)


class Wishes(Model):
    items: list[Wish] = []
    tags: list[str] = []  # what the visit as a whole is about (the checklist grows from them)
    customer_present: bool = True
    present: list[str] = Field(default=[], description="Names or roles of everyone present.")

    @model_validator(mode="before")
    @classmethod
    def _one_item_from_the_old_text(cls, data: Any) -> Any:
        """Documents before wish items kept one text blob: it becomes one wish."""
        if isinstance(data, dict) and "items" not in data:
            text = str(data.get("text") or "").strip()
            if text:
                data = {**data, "items": [{"id": "w-1", "text": text,
                                           "tags": list(data.get("tags") or [])}]}
        return data

    @property
    def typed(self) -> list[Wish]:
        """This visit's own wishes (not those carried over from earlier visits)."""
        return [w for w in self.items if not w.carried]

    def all_tags(self) -> list[str]:
        tags = [*self.tags, *(t for w in self.items for t in w.tags)]
        return [t for t in WISH_TAGS if t in tags]


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


GoodwillKind = Literal["goodwill", "offered", "referred"]
GoodwillStatus = Literal["done", "pending", "approved", "declined", "offered", "referred"]


class Allowance(Model):
    """The contract's goodwill allowance (minutes of work and money for material)."""

    minutes_per_visit: float = Field(default=30.0, ge=0)
    money_per_visit: float = Field(default=50.0, ge=0)
    minutes_per_year: float = Field(default=240.0, ge=0)
    money_per_year: float = Field(default=500.0, ge=0)


class GoodwillRequest(Model):
    """A request the contract does not cover, and what the technician did with it."""

    id: str
    text: str
    kind: GoodwillKind
    minutes: float = 0.0
    money: float = 0.0
    note: str = ""  # offered: what the office should price; referred: to whom and why
    status: GoodwillStatus
    decision_reason: str = ""
    at: datetime


HelpKind = Literal["remote", "expert", "handover"]
HelpStatus = Literal["pending", "accepted", "declined"]


class HelpRequest(Model):
    """Help the technician asked for from the field (#19.4): a colleague's remote
    assistance, an expert, or a hand-over of the visit; the office answers once."""

    id: str
    kind: HelpKind
    note: str
    reason: str = ""  # a hand-over needs one
    status: HelpStatus = "pending"
    answer: str = ""  # the office's words
    helper: str = ""  # who helps, or takes the visit over
    at: datetime
    answered_at: datetime | None = None  # when the office answered (an older office: None)


class SessionDoc(Model):
    # a field a newer app version added (e.g. "help" before this one knew it) is kept as it
    # came, so saving the session here does not drop what the office or a colleague wrote
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)

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
    goodwill: list[GoodwillRequest] = []
    prep_rating: int | None = Field(default=None, ge=1, le=5)  # the office's preparation
    prep_note: str = ""
    help: list[HelpRequest] = []

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
