# SPDX-License-Identifier: Apache-2.0
"""Request and response schemas of the back office's HTTP API (``/v1``).

The API client and the back office both import this module, so the two can
never drift; ``docs/api/openapi.json`` is generated from the server built on it.
Timestamps on the wire are ISO 8601 with a timezone (UTC from the server).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
)

from concierge.domain import AssetKind, BadDirection, InsightKind, Severity, StepType, VisitStatus

API_PREFIX = "/v1"
MAX_PUSH_BATCH = 500
MAX_PULL_PAGE = 1000
DEFAULT_PULL_PAGE = 500
MAX_INGEST_READINGS = 50_000
MAX_QUERY_POINTS = 5_000
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
INSIGHT_KINDS_HEADER = "X-Insight-Kinds"  # the insight kinds a client reads (comma-separated)
SYNC_FEATURES_HEADER = "X-Sync-Features"  # additions to the pull a client reads (comma-separated)
WITHDRAWAL_REASONS = "withdrawal-reasons"  # a feature: reasons on visit tombstones
TEXT_CODES = "text-codes"  # a feature: headline/summary codes and the ADDITIVE_FIELDS
SYNC_FEATURES = f"{WITHDRAWAL_REASONS},{TEXT_CODES}"  # what this version reads, as sent
ATTACHMENT_CONTENT_TYPES = frozenset(
    {"image/png", "image/jpeg", "application/pdf", "text/plain", "application/json"}
)

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=20_000)]
Role = Literal["technician", "admin", "device"]

EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2200, 1, 1, tzinfo=UTC)


def _in_business_range(value: datetime) -> datetime:
    """A moment every part of the system can store, convert and serve back.

    ``0001-01-01T00:00+14:00`` is valid ISO 8601 but lies in year 0 in UTC, and
    ``9999-12-31T23:59-14:00`` in year 10000: neither survives a round trip.
    """
    try:
        utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not EARLIEST_TIME <= utc < LATEST_TIME:
        raise ValueError(
            f"must be between {EARLIEST_TIME:%Y-%m-%d} and {LATEST_TIME:%Y-%m-%d} (UTC)"
        )
    return value


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339(value: object) -> object:
    """What the published ``format: date-time`` means: RFC 3339 text (or a datetime made
    in Python).  Pydantic alone would read numbers and numeric text as Unix times."""
    if isinstance(value, datetime) or (isinstance(value, str) and _RFC3339.fullmatch(value)):
        return value
    raise ValueError("must be a date and time with a time zone, e.g. 2030-01-31T08:00:00Z")


Timestamp = Annotated[
    AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(_in_business_range)
]
"""An aware moment within the years the business can mean (stored as UTC epoch)."""
Version = Annotated[int, Strict(), Field(ge=0, le=2**31 - 1)]
# Numbers and yes/no in request bodies are what their JSON type says: pydantic alone would
# take "3" or true for an integer and 0, 1 or "yes" for a boolean, which the published
# schema refuses.
WireBool = Annotated[bool, Strict()]


class Schema(BaseModel):
    """Base of every wire model: unknown fields, NaN and inf are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Record(Schema):
    """Base of what the office serves for the laptop to keep (sync records and their
    envelopes): a newer office may add fields, and an older laptop must still read the
    record. Unknown fields are ignored when parsed (the stored copy keeps them, as sent);
    what the office *accepts* stays strict (``Schema``)."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


# --- errors -------------------------------------------------------------------


class ErrorDetail(Schema):
    loc: list[str | int] = []
    message: str
    code: str = "invalid"


class ErrorBody(Schema):
    code: str = Field(description="Machine-readable, e.g. 'validation_error', 'not_found'.")
    message: str = Field(description="A sentence a person can act on.")
    details: list[ErrorDetail] = []


class ErrorResponse(Schema):
    error: ErrorBody


# --- auth -----------------------------------------------------------------------


class LoginRequest(Schema):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class RefreshRequest(Schema):
    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


class SetupRequest(Schema):
    """The first administrator, with the office's one-time setup token."""

    token: Annotated[str, Field(min_length=1, max_length=200)]
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class SetupResult(Schema):
    created: str
    role: Role


class UserInfo(Schema):
    id: Id
    login: str
    name: str
    role: Role
    region: str | None = None
    skills: list[AssetKind] = []


class TokenPair(Schema):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")
    user: UserInfo


# --- fleet ---------------------------------------------------------------------


class MetricInfo(Record):
    key: str
    label: str
    unit: str
    normal_low: float
    normal_high: float
    warning: float
    critical: float
    bad_direction: BadDirection
    counter: bool = False
    service_limit: float | None = None


class MetricCatalogue(Record):
    kinds: dict[AssetKind, list[MetricInfo]]


MAX_ALLOWANCE_MINUTES = 100_000.0  # beyond this a figure is a typing error
MAX_ALLOWANCE_MONEY = 10_000_000.0
AllowanceMinutes = Annotated[float, Field(ge=0, le=MAX_ALLOWANCE_MINUTES)]
AllowanceMoney = Annotated[float, Field(ge=0, le=MAX_ALLOWANCE_MONEY)]


class GoodwillAllowance(Record):
    """What a technician may give as goodwill without asking (#19.2): minutes of work and
    money for material, per visit and per calendar year at the site."""

    minutes_per_visit: AllowanceMinutes = 30.0
    money_per_visit: AllowanceMoney = 50.0
    minutes_per_year: AllowanceMinutes = 240.0
    money_per_year: AllowanceMoney = 500.0


class Contract(Record):
    """The site's service contract as the technician needs it: its goodwill allowance and
    the office's phone for the customer's report."""

    name: ShortText = ""
    allowance: GoodwillAllowance = GoodwillAllowance()
    office_phone: Annotated[str, Field(max_length=64)] = ""


class StrictGoodwillAllowance(GoodwillAllowance):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class ContractTerms(Contract):
    """A site's contract as the office sets it (``PUT /v1/admin/sites/{id}/contract``)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    allowance: StrictGoodwillAllowance = StrictGoodwillAllowance()


RemoteResult = Literal[
    "awaiting_approval", "pending", "fixed", "not_fixed", "declined", "approval_timed_out"
]
"""Where a remote attempt stands; ``approval_timed_out``: no dispatcher decided in time,
so a technician goes."""


class RemoteAttempt(Record):
    """A remote action the office tried for an insight before (or instead of) a visit."""

    decision_key: str = Field(description="'<insight id>:<playbook id>': one per decision.")
    insight_id: Id
    asset_id: Id
    action: str = Field(description="The playbook, e.g. 'elevator-door-recalibrate'.")
    command: str | None = Field(default=None, description="None until approved.")
    command_id: str | None = None
    command_state: str | None = None
    safety: Literal["automatic", "approval"]
    result: RemoteResult
    metric: str
    direction: Literal["up", "down"]
    decided_at: AwareDatetime
    sent_at: AwareDatetime | None = None
    acked_at: AwareDatetime | None = None
    concluded_at: AwareDatetime | None = None
    baseline: float | None = Field(default=None, description="The metric before the action.")
    observed: float | None = Field(default=None, description="The metric after it.")
    detail: str = ""
    customer_note: str = ""


class Site(Record):
    id: Id
    customer_name: str
    name: str
    address: str
    latitude: float
    longitude: float
    region: str
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    access_notes: str = ""
    language: Annotated[str, Field(
        max_length=35, pattern=r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$",
        description="The customer's preferred language (BCP 47, e.g. 'de'): the report's.",
    )] = "en"
    contract: Contract | None = Field(
        default=None, description="None: the standard allowance and no office phone.")
    version: int = 1
    updated_at: Timestamp
    remote_fixes: list[RemoteAttempt] = Field(
        default=[],
        description="Resolved behind the scenes: the office's remote fixes at this site over "
        "the last 90 days (what was done, when, the telemetry that verified it), newest first.",
    )


class Asset(Record):
    id: Id
    site_id: Id
    kind: AssetKind
    model: str
    serial: str
    install_date: date
    service_limits: dict[str, float] = {}
    version: int = 1
    updated_at: Timestamp


class CodedText(Record):
    """Text made in the core as a stable code with typed parameters (JSON numbers, strings,
    a metric's key, epoch seconds, or a nested coded text); each client renders it in its
    reader's language.  The English text beside it is what a client that does not know
    the code shows."""

    code: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.]*$")]
    params: dict[
        Annotated[str, Field(max_length=64)],
        CodedText | bool | int | float | Annotated[str, Field(max_length=400)] | None,
    ] = {}


ADDITIVE_FIELDS = frozenset({"headline_code", "summary_code", "remote_fixes", "contract"})
"""Record fields newer than the sync protocol: an older office leaves them out, and an
office sends them only to a client announcing the ``TEXT_CODES`` sync feature (laptops
from before it refuse fields they do not know)."""


class Insight(Record):
    id: Id
    asset_id: Id
    site_id: Id
    metric: str
    kind: InsightKind
    severity: Severity
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]
    predicted_impact_at: Timestamp | None = None
    evidence: dict[str, float | str | None] = {}
    explanation: str
    headline: str
    headline_code: CodedText | None = Field(
        default=None, description="The headline as a code with parameters (any language).")
    status: Literal["open", "resolved"] = "open"
    created_at: Timestamp
    updated_at: Timestamp
    version: int = 1
    remote_attempts: list[RemoteAttempt] = []


class Visit(Record):
    id: Id
    site_id: Id
    technician_id: Id
    asset_ids: list[Id]
    insight_ids: list[Id]
    window_start: Timestamp
    window_end: Timestamp
    priority: Annotated[int, Field(ge=1, le=4, description="1 is the most urgent.")]
    status: VisitStatus
    summary: str = Field(description="Top reason in plain words, for the board.")
    summary_code: CodedText | None = Field(
        default=None, description="The summary as a code with parameters (any language).")
    office_notes: LongText = ""
    technician_notes: LongText = ""
    outcome: LongText | None = None
    version: int = 1
    created_at: Timestamp
    updated_at: Timestamp
    remote_attempts: list[RemoteAttempt] = Field(
        default=[], description="Remote actions tried for the visit's insights."
    )


VISIT_TECHNICIAN_FIELDS = frozenset({"status", "technician_notes", "outcome"})
"""Fields of a visit that a technician's mutation may change."""


class ChecklistStepTemplate(Record):
    key: Id
    title: ShortText
    instructions: LongText = ""
    type: StepType
    required: bool = True
    unit: str | None = None
    target_low: float | None = None
    target_high: float | None = None
    choices: list[ShortText] = []
    metric: str | None = Field(default=None, description="KPI metric this measures, if any.")
    when_metrics: list[str] = Field(
        default=[], description="Include only when an open insight concerns one of these metrics."
    )
    when_tags: list[str] = Field(
        default=[], description="Include only when the customer's wishes carry one of these tags."
    )


class ChecklistTemplate(Record):
    id: Id
    asset_kind: AssetKind
    name: str
    steps: list[ChecklistStepTemplate]
    version: int = 1
    updated_at: Timestamp


class SessionRecord(Schema):
    """A visit's optimisation session as uploaded by the app.

    ``data`` holds the session content (wishes, KPIs, checklist results, rating,
    ...) as built by ``concierge.session``; ``attachments`` lists the SHA-256 of
    every uploaded file it references (photos, signature, report PDF).
    """

    id: Id
    visit_id: Id
    technician_id: Id
    status: Literal["in_progress", "completed"]
    step: str
    data: dict[str, Any]
    attachments: list[Sha256] = []
    started_at: Timestamp
    completed_at: Timestamp | None = None
    version: int = 1
    updated_at: Timestamp


class AttachmentInfo(Schema):
    sha256: Sha256
    content_type: str
    size: int
    created: bool = Field(description="False when the same content was already stored.")


# --- telemetry -----------------------------------------------------------------


class Reading(Schema):
    asset_id: Id
    metric: str
    ts: Timestamp
    value: Annotated[float, Strict()]


class IngestRequest(Schema):
    """Readings are validated one by one, so each entry is checked on its own."""

    readings: Annotated[list[dict[str, Any]], Field(max_length=MAX_INGEST_READINGS)]


class ReadingError(Schema):
    index: int
    errors: list[ErrorDetail]


class IngestResponse(Schema):
    accepted: int
    rejected: list[ReadingError] = []


class TelemetrySeries(Schema):
    """Columnar series; ``bucket_seconds`` 0 means raw readings (min = mean = max)."""

    asset_id: Id
    metric: str
    start: Timestamp
    end: Timestamp
    bucket_seconds: int
    t: list[float] = Field(description="Epoch seconds of each bucket's start (or reading).")
    min: list[float]
    mean: list[float]
    max: list[float]
    count: list[int]


class TelemetryWindowRequest(Schema):
    asset_ids: Annotated[list[Id], Field(min_length=1, max_length=100)]
    start: Timestamp
    end: Timestamp
    bucket_seconds: Annotated[int, Strict(), Field(ge=0, le=86_400)]


class TelemetryWindows(Schema):
    series: list[TelemetrySeries]
    unavailable: list[Id] = Field(
        default=[],
        description="Requested assets the caller cannot see (or that do not exist): no series.",
    )


# --- sync ----------------------------------------------------------------------

EntityName = Literal["site", "asset", "insight", "visit", "template", "session"]
MutableEntity = Literal["visit", "session"]


HANDED_OVER = "handed_over"  # the technician's hand-over of the visit was accepted
WITHDRAWN = "withdrawn"  # push answer: a session of a visit the office withdrew, kept not completed
WITHDRAWAL_CODES = frozenset({"cancelled", "reassigned", "resolved_remotely", HANDED_OVER})
"""Why the office took a visit off a technician; a client shows a general reason for a code
it does not know (a later office may add codes)."""


class Withdrawal(Record):
    """Why a visit's tombstone took it off this technician's round (tolerant: a later office
    may add fields, and codes beyond ``WITHDRAWAL_CODES``)."""

    code: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z_]+$")]
    note: LongText = Field(default="", description="The office's note, in its words.")
    at: Timestamp = Field(description="When the office withdrew the visit.")


class WithdrawnWork(Schema):
    """A technician's session for a visit the office took off them (cancelled, reassigned,
    resolved remotely): kept for the office, never completed; ``owner_id`` is whoever has
    the visit now (None: nobody, e.g. cancelled)."""

    session_id: Id
    visit_id: Id
    technician_id: Id = Field(description="Who did the work (the visit was theirs).")
    withdrawal: Withdrawal
    visit_status: str
    owner_id: Id | None
    session_status: Literal["in_progress", "completed"]
    updated_at: Timestamp = Field(description="When the office last received the session.")


class Change(Record):
    entity: EntityName
    id: Id
    seq: int
    version: int
    deleted: bool = False
    data: dict[str, Any] | None = Field(default=None, description="The record; None when deleted.")
    withdrawal: Withdrawal | None = Field(
        default=None,
        description=f"A deleted visit: why (only to clients that send {SYNC_FEATURES_HEADER}: "
        f"{WITHDRAWAL_REASONS}).",
    )


PullScope = Literal["near"]


class PullResponse(Record):
    changes: list[Change]
    cursor: str = Field(min_length=1,
                        description="Opaque, server-assigned; send it back to continue.")
    has_more: bool
    scope: PullScope | None = Field(
        default=None,
        description="'near': the office honoured near_from/near_until (only then present).",
    )
    near_until: Timestamp | None = Field(
        default=None,
        description="A near pull's window end: near_until, or later when that window holds "
        "fewer than two days with open visits (send it back with the next pages and skip).",
    )


class Mutation(Schema):
    op_id: UUID = Field(description="Client-generated idempotency key.")
    entity: MutableEntity
    entity_id: Id
    base_version: Version | None = Field(
        description="Version the change was made on; None creates."
    )
    payload: dict[str, Any]
    made_at: Timestamp = Field(description="When the person made the change.")


class PushRequest(Schema):
    mutations: Annotated[list[Mutation], Field(min_length=1, max_length=MAX_PUSH_BATCH)]


MutationStatus = Literal["applied", "duplicate", "conflict", "rejected"]


class MutationResult(Record):
    op_id: UUID
    status: MutationStatus
    version: int | None = None
    record: dict[str, Any] | None = Field(
        default=None, description="Applied/duplicate: the stored record. Conflict: the server's."
    )
    reason: str | None = None
    code: str | None = Field(
        default=None,
        description=f"Rejected or conflict: why. Applied: set when the office applied the change "
        f"otherwise than asked, e.g. '{HANDED_OVER}': a session completed after its visit was "
        "handed over is kept, with its changes, but not completed; "
        f"'{WITHDRAWN}': a session of a visit the office took off this technician (cancelled, "
        "reassigned, resolved remotely) is kept for the office, but not completed.")


class PushResponse(Record):
    results: list[MutationResult]


class Health(Schema):
    status: Literal["ok"] = "ok"
    version: str
    time: datetime


# --- the technician's day -----------------------------------------------------------

DayStatus = Literal["travelling", "on_site", "break", "done"]


class DayStatusReport(Schema):
    """Where the technician is in the day ("On my way" is ``travelling`` to ``visit_id``),
    and the time on site so far per visit of the day, in seconds."""

    status: DayStatus
    visit_id: Id | None = None
    at: Timestamp
    on_site_seconds: dict[Id, Annotated[float, Strict(), Field(ge=0.0, le=86_400.0 * 7)]] = Field(
        default={}, max_length=200)


class TechnicianDayStatus(Schema):
    technician_id: Id
    report: DayStatusReport


# --- back office administration (office side; the laptop does not use these) -----


class VisitPatch(Schema):
    """An office edit of a visit; fields left out (or null) are unchanged."""

    office_notes: LongText | None = None
    window_start: Timestamp | None = None
    window_end: Timestamp | None = None
    priority: Annotated[int, Strict(), Field(ge=1, le=4)] | None = None
    technician_id: Id | None = None
    status: VisitStatus | None = None
    withdrawal_note: LongText | None = Field(
        default=None,
        description="Why the visit is cancelled or reassigned, for the technician who loses "
        "it (default: the visit's office notes). Not stored on the visit.",
    )
    base_version: Version | None = Field(
        default=None, description="If given, the edit is refused (409) unless it is current."
    )


class EngineRun(Schema):
    """What one run of the proactive engine did."""

    assets: int
    findings: int
    insights_created: int
    insights_updated: int
    insights_resolved: int
    visits_created: int
    visits_updated: int


class OpRecord(Schema):
    """A pushed operation as the server recorded it (for exactly-once checks)."""

    op_id: UUID
    technician_id: Id
    entity: MutableEntity
    entity_id: Id
    status: MutationStatus
    deliveries: int = Field(description="How many times the op was received.")
    applied_changes: int = Field(description="Change-log rows the op wrote for its entity.")


class OpsReport(Schema):
    ops: list[OpRecord]


class BackOfficeStats(Schema):
    rows: dict[str, int] = Field(description="Row count per table.")
    last_seq: int = Field(description="Latest change-log sequence number.")


# --- devices: remote first -----------------------------------------------------


class RemoteKindFigures(Schema):
    asset_kind: str
    attempted: int
    resolved_remotely: int
    visits_avoided: int
    sent_a_technician: int
    pending: int
    mean_seconds_to_resolution: float | None = Field(
        description="Mean time from insight to remote resolution."
    )


class RemoteFigures(Schema):
    kinds: list[RemoteKindFigures]


# --- serve, don't service (#19): the office's tracked items -------------------------


class ServeTaskEvent(Record):
    at: float = Field(description="Epoch seconds.")
    by: str
    status: str
    note: str = ""
    owner: str | None = Field(default=None,
                              description="Who has the item from this change on, when it "
                              "passed it on (None: unchanged).")


class ServeTask(Record):
    """A follow-up of a wish not solved, or a call-back after a low rating or a "not yet"."""

    id: str
    kind: Literal["wish_follow_up", "call_back", "praise"]
    site_id: Id
    visit_id: Id
    session_id: Id
    technician_id: Id
    owner: str
    title: str
    detail: dict[str, Any]
    status: Literal["open", "in_progress", "done", "cancelled"]
    due_at: AwareDatetime
    history: list[ServeTaskEvent]
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ServeTaskPatch(Schema):
    """An office edit of a tracked item; each change is kept in its history."""

    status: Literal["open", "in_progress", "done", "cancelled"] | None = None
    owner: Id | None = None
    note: Annotated[str, Field(max_length=2000)] = ""
    base_version: Version | None = Field(
        default=None, description="If given, the edit is refused (409) unless it is current."
    )


class GoodwillItem(Schema):
    """A request beyond the contract as the office tracks it (#19.2)."""

    id: str
    request_id: str
    session_id: Id
    visit_id: Id
    site_id: Id
    technician_id: Id
    kind: Literal["goodwill", "offered", "referred"]
    text: str
    minutes: float
    money: float
    note: str
    status: Literal["done", "pending", "approved", "declined", "offered", "referred"]
    over_allowance: bool = Field(description="Done offline, but the site's year went over "
                                 "its allowance across devices: it needs approval.")
    decision_reason: str
    decided_by: str | None
    given_at: AwareDatetime
    history: list[ServeTaskEvent]
    version: int
    updated_at: AwareDatetime


class HelpItem(Schema):
    """Help a technician asked for from the field, as the office tracks it (#19.4)."""

    id: str
    request_id: str
    session_id: Id
    visit_id: Id
    site_id: Id
    technician_id: Id
    kind: Literal["remote", "expert", "handover"] = Field(
        description="A colleague's remote assistance, an expert, or a hand-over of the visit.")
    note: str
    reason: str
    status: Literal["pending", "accepted", "declined"]
    answer: str
    helper: str | None = Field(description="Who helps, or takes the visit over.")
    answered_by: str | None
    asked_at: AwareDatetime
    history: list[ServeTaskEvent]
    version: int
    updated_at: AwareDatetime


class HelpAnswer(Schema):
    """The office's answer to a help request. Accepting a hand-over names the technician
    who takes the visit over (it moves to them)."""

    accepted: WireBool
    answer: Annotated[str, Field(min_length=1, max_length=2000)]
    helper: Id | None = None


class GoodwillDecision(Schema):
    approved: WireBool
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class DelightRow(Schema):
    """Delight of one customer, site, technician or asset kind in one period (#19.3)."""

    key: str
    period: str = Field(description="YYYY-MM, or YYYY-Www by week.")
    sessions: int
    rated: int
    mean_rating: float | None
    low_ratings: int = Field(description="Ratings of 3 or less of 5.")
    wishes: int
    solved: int
    partly: int
    not_yet: int
    prep_rated: int = Field(description="Visits the technician rated the office's preparation.")
    mean_preparation: float | None


class HeldCheck(Record):
    """Did an improvement hold: a KPI the session improved, 7 or 30 days later (#19.3)."""

    id: str
    session_id: Id
    visit_id: Id
    site_id: Id
    technician_id: Id
    asset_id: Id
    kpi: str
    day: int
    before: float | None
    after: float | None
    since: float | None
    verdict: Literal["held", "regressed", "no data"]
    insight_id: str | None
    checked_at: AwareDatetime


class ServeDigest(Record):
    """What the office serves a technician (#19.3, #19.4): the praise, follow-ups and
    call-backs of their own visits, and whether earlier work held at their sites. The
    laptop keeps the last copy for offline use."""

    tasks: list[ServeTask]
    held: list[HeldCheck]


class HeldRun(Schema):
    checks: int = Field(description="Checks made by this run (each is made once).")


class TechnicianLoad(Schema):
    """One technician's load in a period (#19.4): plan fairly."""

    technician_id: Id
    visits: int
    completed: int
    hours_on_site: float
