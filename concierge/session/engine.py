# SPDX-License-Identifier: Apache-2.0
"""SessionEngine: applies each input to the session document and autosaves it at once.

Every mutating call ends in a save of the whole record: ``store.save_session`` (one upserted
row, one coalesced outbox mutation), so a crash loses nothing that was entered. A UI may set
``persist`` to run those saves elsewhere (e.g. in order on a database thread); it must then
tell the person "saved" only once a save has returned. A completed session is read-only.

Completing a session queues no visit mutation: the back office marks the visit completed
when it applies the completed session (and bumps the visit's version), so a separate visit
update made on the old version would come back as a conflict.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy.typing as npt

from concierge.domain import AssetKind, StepType, VisitStatus, metric_spec
from concierge.events import Event
from concierge.i18n import SOURCE, Msg, Translator, msg, negotiate, translator_for
from concierge.protocol.schemas import (
    HANDED_OVER,
    Asset,
    ChecklistTemplate,
    Insight,
    Site,
    Visit,
)
from concierge.session import checklist, goodwill, kpi
from concierge.session.impact import InsightOutcome, insight_outcomes
from concierge.session.kpi import Comparison, KpiDef
from concierge.session.model import (
    WISH_ANSWERS,
    WISH_TAGS,
    Allowance,
    ChecklistItem,
    GoodwillRequest,
    HelpRequest,
    Measurement,
    Point,
    SessionDoc,
    SignOff,
    Wish,
)
from concierge.session.report import (
    ReportContent,
    build_report,
    report_file_name,
    report_language,
)
from concierge.session.state import Step, StepProgress, next_step, parse_step, previous_step
from concierge.session.state import progress as step_progress
from concierge.session.text import asset_label, outcome_line
from concierge.session.validation import Flag, blockers, check_range, parse_measurement

if TYPE_CHECKING:
    from concierge.store.models import WithdrawnVisit


class TelemetryWindowLike(Protocol):
    @property
    def t(self) -> npt.ArrayLike: ...
    @property
    def mean(self) -> npt.ArrayLike: ...


class SessionStore(Protocol):
    """What the engine needs from ``concierge.store.Store``."""

    def visit(self, visit_id: str) -> Visit | None: ...
    def site(self, site_id: str) -> Site | None: ...
    def site_history(self, site_id: str, exclude_visit: str | None = None) -> list[Visit]: ...
    def assets_for_visit(self, visit_id: str) -> list[Asset]: ...
    def insights_for_visit(self, visit_id: str) -> list[Insight]: ...
    def template_for(self, kind: AssetKind) -> ChecklistTemplate | None: ...
    def telemetry(
        self, asset_id: str, metric: str, start: float | None = None, end: float | None = None
    ) -> TelemetryWindowLike: ...
    def load_session(self, visit_id: str) -> dict[str, Any] | None: ...
    def save_session(self, record: dict[str, Any]) -> None: ...
    def add_attachment(self, content: bytes, content_type: str, filename: str = "") -> str: ...
    def attachment_path(self, sha: str) -> Path: ...
    def update_visit(self, visit_id: str, **fields: Any) -> Any: ...
    def withdrawn_visits(self) -> dict[str, WithdrawnVisit]: ...


class SessionError(Exception):
    """A session input that cannot be applied; ``msg`` is the message to show (``str``
    of the error is its English text, for logs)."""

    def __init__(self, message: Msg) -> None:
        super().__init__(translator_for(SOURCE).render(message))
        self.msg = message


class SessionBlocked(SessionError):
    def __init__(self, missing: list[Msg]) -> None:
        super().__init__(msg("The session cannot be completed yet: {missing}",
                             missing=Joined(missing)))
        self.missing = missing


@dataclass(frozen=True)
class Joined:
    """Sentences rendered one after the other."""

    parts: list[Msg]

    def render(self, t: Translator) -> str:
        return " ".join(t.render(p) for p in self.parts)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SessionEngine:
    def __init__(
        self,
        store: SessionStore,
        visit_id: str,
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.store = store
        self.clock = clock
        visit = store.visit(visit_id)
        if visit is None:
            raise SessionError(msg("Visit {visit_id} is not in the local store; sync first.",
                                   visit_id=visit_id))
        self.visit: Visit = visit
        self.site = store.site(visit.site_id)
        self.assets = store.assets_for_visit(visit_id)
        self.insights = store.insights_for_visit(visit_id)
        self.kinds = {a.id: a.kind for a in self.assets}
        self.asset_names = {a.id: asset_label(a.kind, a.model, a.serial) for a in self.assets}
        self.changed: Event[str] = Event("session.changed")
        self.persist: Callable[[dict[str, Any]], None] | None = None
        self.withdrawal: WithdrawnVisit | None = store.withdrawn_visits().get(visit_id)
        record = store.load_session(visit_id)
        if record is None:
            self._new()
        else:
            self._load(record)

    # --- lifecycle -------------------------------------------------------------

    def _new(self) -> None:
        now = self.clock()
        self.id = f"ses-{uuid.uuid4().hex}"
        self.status = "in_progress"
        self.step = Step.WELCOME
        self.started_at = now
        self.completed_at: datetime | None = None
        self.version: int | None = None
        self.doc = SessionDoc(visited=[Step.WELCOME.value])
        self.doc.wishes.items = self.earlier_open_wishes()
        self.doc.baseline = [
            row
            for a in self.assets
            for row in kpi.baseline(a.id, a.kind, self._series, now.timestamp(),
                                    extra_metrics=self._trigger_metrics(a.id))
        ]
        self.doc.checklist = self._generate()
        if self.no_longer_ours:
            return  # withdrawn before the session began: read-only, nothing to save or send
        # The visit's status change goes first: the session's own op (which keeps its place
        # in the outbox while it is folded) must reach the office after it, or completing
        # the session there would bump the visit under this op (a conflict).
        if self.visit.status in (VisitStatus.PROPOSED, VisitStatus.SCHEDULED):
            self.store.update_visit(self.visit.id, status=VisitStatus.IN_PROGRESS.value)
        self._save()

    def _load(self, record: dict[str, Any]) -> None:
        self.id = str(record["id"])
        self.status = str(record.get("status", "in_progress"))
        self.step = parse_step(str(record.get("step", "")))
        self.started_at = _when(record.get("started_at")) or self.clock()
        self.completed_at = _when(record.get("completed_at"))
        self.version = record.get("version")
        self.doc = SessionDoc.model_validate(record.get("data") or {})
        self._add_trigger_rows()

    def _trigger_metrics(self, asset_id: str) -> list[str]:
        """The metrics of the insights that brought this visit to the asset."""
        return [i.metric for i in self.insights if i.asset_id == asset_id]

    def _add_trigger_rows(self) -> None:
        """A session begun before the triggering metric had its own KPI row gets one now."""
        now = (self.completed_at or self.clock()).timestamp()
        for a in self.assets:
            have = {b.kpi for b in self.doc.baseline if b.asset_id == a.id}
            for metric in dict.fromkeys(self._trigger_metrics(a.id)):
                try:
                    d = kpi.metric_kpi(a.kind, metric)
                except KeyError:
                    continue
                if d.key not in have:
                    t, v = self._series(a.id, d.metric, now - kpi.BASELINE_DAYS * kpi.DAY, now)
                    self.doc.baseline.append(kpi.window_kpi(
                        d, a.id, t, v, start=now - kpi.BASELINE_DAYS * kpi.DAY, end=now))

    def _series(
        self, asset_id: str, metric: str, start: float, end: float
    ) -> tuple[npt.ArrayLike, npt.ArrayLike]:
        window = self.store.telemetry(asset_id, metric, start, end)
        return window.t, window.mean

    def _generate(self) -> list[ChecklistItem]:
        kinds = dict.fromkeys(self.kinds.values())
        templates = {k: self.store.template_for(k) for k in kinds}
        return checklist.generate(self.assets, templates, self.insights,
                                  self.doc.wishes.all_tags())

    def record(self) -> dict[str, Any]:
        """The session as the store keeps it (and the back office receives it)."""
        return {
            "id": self.id,
            "visit_id": self.visit.id,
            "technician_id": self.visit.technician_id,
            "status": self.status,
            "step": self.step.value,
            "data": self.doc.model_dump(mode="json"),
            "attachments": self.doc.attachment_shas(),
            "started_at": self.started_at.isoformat(),
            "completed_at": self.completed_at.isoformat() if self.completed_at else None,
            "version": self.version,
        }

    def _save(self, what: str = "data") -> None:
        record = self.record()
        if self.persist is not None:
            self.persist(record)
        else:
            self.store.save_session(record)
        self.changed.emit(what)

    def _editable(self) -> None:
        if self.completed:
            raise SessionError(msg("This session is completed; it can no longer be changed."))
        self._still_ours()

    def _still_ours(self) -> None:
        """Raise when the visit is no longer this technician's to finish."""
        if self.handed_over is not None:
            raise SessionError(msg("This visit was handed over to a colleague; the session "
                                   "can no longer be changed here."))
        if self.withdrawn is not None:
            raise SessionError(msg("The office withdrew this visit; the session can no "
                                   "longer be changed here. Your work was kept and sent to "
                                   "the office."))

    @property
    def completed(self) -> bool:
        return self.status == "completed"

    @property
    def handed_over(self) -> HelpRequest | None:
        """The office's acceptance of this technician's hand-over of the visit, once it
        reached the laptop: the visit is a colleague's, and the session read-only here."""
        return next((h for h in self.doc.help
                     if h.kind == "handover" and h.status == "accepted"), None)

    @property
    def withdrawn(self) -> WithdrawnVisit | None:
        """The office's withdrawal of the visit (cancelled, reassigned, resolved remotely),
        once it reached the laptop: the visit is no longer this technician's, the work done
        is kept and sent to the office, and the session read-only here."""
        w = self.withdrawal
        if w is None or w.code == HANDED_OVER or self.handed_over is not None:
            return None  # a hand-over says more, in its own words
        return w

    def refresh_withdrawal(self) -> bool:
        """Read the office's withdrawal of the visit again (after a sync); True if new."""
        return self.take_withdrawal(self.store.withdrawn_visits().get(self.visit.id))

    def take_withdrawal(self, withdrawal: WithdrawnVisit | None) -> bool:
        """The office's withdrawal of the visit as the store now has it; True if new."""
        known, self.withdrawal = self.withdrawal, withdrawal
        return withdrawal != known

    @property
    def no_longer_ours(self) -> bool:
        """The visit was handed over or withdrawn: this session is not ours to finish."""
        return self.handed_over is not None or self.withdrawn is not None

    @property
    def read_only(self) -> bool:
        return self.completed or self.no_longer_ours

    @property
    def completion_not_kept(self) -> bool:
        """Completed here while the visit was no longer ours (offline, before the laptop
        learnt it): the office kept the work, not the completion."""
        return self.no_longer_ours and not self.completed and self.doc.report is not None

    @property
    def completed_after_handover(self) -> bool:
        """Completed here while the office had already accepted the hand-over: the office
        kept the notes and report for the colleague, but not the completion."""
        return self.handed_over is not None and self.completion_not_kept

    # --- navigation ------------------------------------------------------------

    def go(self, step: Step) -> None:
        if self.no_longer_ours:
            return  # read-only: not ours to finish any more, nothing to save
        self.step = step
        if step.value not in self.doc.visited:
            self.doc.visited.append(step.value)
        self._save("step")

    def forward(self) -> None:
        step = next_step(self.step)
        if step is not None:
            self.go(step)

    def back(self) -> None:
        step = previous_step(self.step)
        if step is not None:
            self.go(step)

    def progress(self) -> list[StepProgress]:
        return step_progress(self.doc, self.step, self.completed)

    # --- welcome ---------------------------------------------------------------

    def set_wish_text(self, text: str) -> None:
        """This visit's wishes typed one per line: each line is a wish, and a line keeps
        the wish (its id, tags and answer) that stood at its place."""
        self._editable()
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        typed = self.doc.wishes.typed
        kept = [typed[n].model_copy(update={"text": line}) if n < len(typed)
                else Wish(id=_wish_id(), text=line) for n, line in enumerate(lines)]
        self.doc.wishes.items = [w for w in self.doc.wishes.items if w.carried] + kept
        self._regenerate()
        self._save("wishes")

    def add_wish(self, text: str, tags: Sequence[str] = ()) -> str:
        self._editable()
        if not text.strip():
            raise SessionError(msg("Type the wish first."))
        wish = Wish(id=_wish_id(), text=text.strip(), tags=self._known_tags(tags))
        self.doc.wishes.items.append(wish)
        self._regenerate()
        self._save("wishes")
        return wish.id

    def wish(self, wish_id: str) -> Wish:
        for wish in self.doc.wishes.items:
            if wish.id == wish_id:
                return wish
        raise SessionError(msg("There is no wish {wish_id} in this session.", wish_id=wish_id))

    def set_wish_tags(self, wish_id: str, tags: Sequence[str]) -> None:
        self._editable()
        self.wish(wish_id).tags = self._known_tags(tags)
        self._regenerate()
        self._save("wishes")

    def remove_wish(self, wish_id: str) -> None:
        self._editable()
        self.wish(wish_id)
        self.doc.wishes.items = [w for w in self.doc.wishes.items if w.id != wish_id]
        self._regenerate()
        self._save("wishes")

    def answer_wish(self, wish_id: str, answer: str | None, comment: str | None = None) -> None:
        """The customer's answer to "Did we solve this for you?" (None: not asked)."""
        self._editable()
        wish = self.wish(wish_id)
        if answer is not None and answer not in WISH_ANSWERS:
            raise SessionError(msg("Answer yes, partly or not yet."))
        wish.answer = answer
        if comment is not None:
            wish.comment = comment.strip()
        self._save("wishes")

    def _known_tags(self, tags: Sequence[str]) -> list[str]:
        unknown = [t for t in tags if t not in WISH_TAGS]
        if unknown:
            raise SessionError(msg("Unknown wish {tag}.", tag=unknown[0]))
        return [t for t in WISH_TAGS if t in tags]

    def _regenerate(self) -> None:
        """The checklist follows the wishes' tags (results of kept steps stay)."""
        self.doc.checklist = self._generate()

    def earlier_open_wishes(self) -> list[Wish]:
        """Wishes from completed earlier visits to this site that the customer did not
        call solved, newest visit first, each once, as carried wishes of this visit."""
        seen: set[str] = set()
        out: list[Wish] = []
        for past in self.store.site_history(self.visit.site_id, self.visit.id):
            record = self.store.load_session(past.id)
            if not record or record.get("status") != "completed":
                continue
            doc = SessionDoc.model_validate(record.get("data") or {})
            day = str(record.get("completed_at") or "")[:10]
            for wish in doc.wishes.items:
                origin = wish.origin or f"{past.id}/{wish.id}"
                if origin in seen:
                    continue
                seen.add(origin)
                if wish.answer != "yes":
                    out.append(Wish(id=_wish_id(), text=wish.text, tags=list(wish.tags),
                                    origin=origin, since=wish.since or day,
                                    last_answer=wish.answer))
        return out

    def set_tag(self, tag: str, on: bool) -> None:
        """Toggle a wish tag; the checklist follows (results of kept steps stay)."""
        self._editable()
        if tag not in WISH_TAGS:
            raise SessionError(msg("Unknown wish {tag}.", tag=tag))
        tags = [t for t in self.doc.wishes.tags if t != tag] + ([tag] if on else [])
        self.doc.wishes.tags = [t for t in WISH_TAGS if t in tags]
        self.doc.checklist = self._generate()
        self._save("wishes")

    def set_presence(self, customer_present: bool, others: Sequence[str]) -> None:
        self._editable()
        self.doc.wishes.customer_present = customer_present
        self.doc.wishes.present = [p.strip() for p in others if p.strip()]
        self._save("wishes")

    # --- measurements ----------------------------------------------------------

    def kpi(self, asset_id: str, key: str) -> KpiDef:
        if asset_id not in self.kinds:
            raise SessionError(msg("Asset {asset_id} is not part of this visit.",
                                   asset_id=asset_id))
        return kpi.kpi_def(self.kinds[asset_id], key)

    def kpi_keys(self, asset_id: str) -> list[str]:
        """The KPIs of an asset in this session: its kind's, then what triggered the visit."""
        return [b.kpi for b in self.doc.baseline if b.asset_id == asset_id]

    def carried_after(self, asset_id: str, key: str) -> float | None:
        """The KPI's value measured in the checklist, offered as its after-measurement."""
        found = kpi.checklist_value(self.doc, asset_id, self.kpi(asset_id, key))
        return found[0] if found else None

    def add_spot(self, asset_id: str, key: str, text: str) -> Flag | None:
        """Record a spot measurement of a KPI now (before tuning)."""
        return self._measure("spot", asset_id, key, text)

    def add_after(self, asset_id: str, key: str, text: str) -> Flag | None:
        """Record an after-measurement of a KPI (after tuning)."""
        return self._measure("after", asset_id, key, text)

    def _measure(self, which: str, asset_id: str, key: str, text: str) -> Flag | None:
        self._editable()
        d = self.kpi(asset_id, key)
        value = parse_measurement(text, d.unit)
        rows = self.doc.spot if which == "spot" else self.doc.after
        rows.append(Measurement(asset_id=asset_id, kpi=key, value=value, at=self.clock()))
        self._save(which)
        low, high = d.normal
        return check_range(value, low, high, d.unit, d.spec if d.scale == 1.0 else None)

    def comparisons(self) -> list[Comparison]:
        return kpi.compare(self.doc, self.kinds)

    def outcomes(self) -> list[InsightOutcome]:
        return insight_outcomes(self.insights, self.doc, self.kinds, self.clock().timestamp())

    # --- checklist -------------------------------------------------------------

    def item(self, item_id: str) -> ChecklistItem:
        for item in self.doc.checklist:
            if item.id == item_id:
                return item
        raise SessionError(msg("Step {item_id} is not in this checklist.", item_id=item_id))

    def _set_result(self, item_id: str, **changes: Any) -> None:
        self._editable()
        self.item(item_id)
        result = self.doc.result(item_id).model_copy(update={"at": self.clock(), **changes})
        self.doc.results[item_id] = result
        self._save("checklist")

    def set_check(self, item_id: str, done: bool) -> None:
        self._set_result(item_id, status="done" if done else "open", value=done, skip_reason="")

    def set_measurement(self, item_id: str, text: str) -> Flag | None:
        """Parse and record a step's measurement; MeasurementError leaves the step as it was."""
        item = self.item(item_id)
        value = parse_measurement(text, item.unit)
        self._set_result(item_id, status="done", value=value, skip_reason="")
        return item_flag(item, self.kinds.get(item.asset_id), value)

    def set_choice(self, item_id: str, choice: str) -> None:
        if choice not in self.item(item_id).choices:
            raise SessionError(msg("“{choice}” is not one of the choices of this step.",
                                   choice=choice))
        self._set_result(item_id, status="done", value=choice, skip_reason="")

    def set_note_value(self, item_id: str, text: str) -> None:
        """The input of a note step (done when not empty)."""
        status = "done" if text.strip() else "open"
        self._set_result(item_id, status=status, value=text, skip_reason="")

    def set_remark(self, item_id: str, text: str) -> None:
        """A free remark on any step, kept beside its input."""
        self._set_result(item_id, note=text)

    def attach(self, item_id: str, content: bytes, content_type: str, filename: str = "") -> str:
        self._editable()
        self.item(item_id)
        sha = self.store.add_attachment(content, content_type, filename)
        self.attach_stored(item_id, sha)
        return sha

    def attach_stored(self, item_id: str, sha: str) -> None:
        """Reference a file already kept by ``store.add_attachment`` from a step."""
        shas = [*self.doc.result(item_id).attachments, sha]
        self._set_result(item_id, status="done", attachments=list(dict.fromkeys(shas)))

    def skip(self, item_id: str, reason: str) -> None:
        if not reason.strip():
            raise SessionError(msg("Say why this step is skipped."))
        self._set_result(item_id, status="skipped", skip_reason=reason.strip())

    def reopen(self, item_id: str) -> None:
        self._set_result(item_id, status="open", skip_reason="")

    # --- beyond the contract (#19.2) -------------------------------------------

    @property
    def allowance(self) -> Allowance:
        """The site's contract's goodwill allowance, as last synced (the standard one for a
        site without a contract)."""
        return goodwill.allowance_of(self.site)

    def goodwill_spent(self) -> tuple[goodwill.Spent, goodwill.Spent]:
        """Goodwill counted against the allowance: this visit, and this calendar year at
        the site (every session this laptop knows of)."""
        visit = goodwill.spent(self.doc.goodwill)
        year_of = (self.started_at or self.clock()).year
        earlier: list[GoodwillRequest] = []
        for past in self.store.site_history(self.visit.site_id, self.visit.id):
            record = self.store.load_session(past.id)
            if record:
                doc = SessionDoc.model_validate(record.get("data") or {})
                earlier += [r for r in doc.goodwill if r.at.year == year_of]
        return visit, goodwill.spent([*earlier, *self.doc.goodwill])

    def record_goodwill(self, text: str, kind: str, minutes: float = 0.0, money: float = 0.0,
                        note: str = "") -> GoodwillRequest:
        """Record a request the contract does not cover: goodwill done now (within the
        allowance; above it, it waits for the office), offered for the office to price, or
        referred elsewhere with the reason."""
        self._editable()
        if not text.strip():
            raise SessionError(msg("Say what the customer asked for."))
        if kind not in ("goodwill", "offered", "referred"):
            raise SessionError(msg("Choose goodwill, offered or referred."))
        if not goodwill.valid_amount(minutes, goodwill.MAX_MINUTES):
            raise SessionError(msg("The time must be between 0 and {limit} minutes.",
                                   limit=int(goodwill.MAX_MINUTES)))
        if not goodwill.valid_amount(money, goodwill.MAX_MONEY):
            raise SessionError(msg("The material must be between 0 and {limit}.",
                                   limit=int(goodwill.MAX_MONEY)))
        if kind == "referred" and not note.strip():
            raise SessionError(msg("Say to whom you referred it, and why."))
        if kind == "goodwill":
            visit, year = self.goodwill_spent()
            status = "done" if goodwill.within(self.allowance, visit, year, minutes,
                                               money) else "pending"
        else:
            status = kind
        request = GoodwillRequest(id=f"gw-{uuid.uuid4().hex[:12]}", text=text.strip(),
                                  kind=kind, minutes=minutes if kind == "goodwill" else 0.0,
                                  money=money if kind == "goodwill" else 0.0,
                                  note=note.strip(), status=status, at=self.clock())
        self.doc.goodwill.append(request)
        self._save("goodwill")
        return request

    def decide_goodwill(self, request_id: str, approved: bool, reason: str) -> None:
        """The office's answer to a request above the allowance (arrives by sync)."""
        for r in self.doc.goodwill:
            if r.id == request_id:
                r.status = "approved" if approved else "declined"
                r.decision_reason = reason
                self._save("goodwill")
                return
        raise SessionError(msg("There is no request {request_id} in this session.",
                               request_id=request_id))

    def adopt_office_answers(self, record: dict[str, Any] | None) -> bool:
        """Take the office's decisions on goodwill requests and its answers to help
        requests from a pulled copy of this session (the office's word stands); True when
        anything changed."""
        if not record or str(record.get("id")) != self.id:
            return False
        pulled = SessionDoc.model_validate(record.get("data") or {})
        decided = {r.id: r for r in pulled.goodwill if r.status in ("approved", "declined")}
        changed = False
        for r in self.doc.goodwill:
            answer = decided.get(r.id)
            if answer is not None and (r.status, r.decision_reason) != (
                    answer.status, answer.decision_reason):
                r.status, r.decision_reason = answer.status, answer.decision_reason
                changed = True
        if changed:
            self.changed.emit("goodwill")
        answered = {h.id: h for h in pulled.help if h.status != "pending"}
        helped = False
        for h in self.doc.help:
            reply = answered.get(h.id)
            if reply is not None and (h.status, h.answer, h.helper, h.answered_at) != (
                    reply.status, reply.answer, reply.helper, reply.answered_at):
                h.status, h.answer, h.helper = reply.status, reply.answer, reply.helper
                h.answered_at = reply.answered_at
                helped = True
        if self.no_longer_ours and record.get("status") != self.status:
            # completed here after a hand-over or withdrawal: the office kept the changes,
            # not the completion (the visit is no longer ours to complete)
            self.status = str(record.get("status") or "in_progress")
            self.completed_at = _when(record.get("completed_at"))
            helped = True
        if helped:
            self.changed.emit("help")
        return changed or helped

    # --- help from the field (#19.4) --------------------------------------------

    def ask_help(self, kind: str, note: str, reason: str = "") -> HelpRequest:
        """Ask for a colleague's remote assistance, an expert, or a hand-over of the
        visit; it is saved at once and reaches the office at the next sync."""
        self._editable()
        if kind not in ("remote", "expert", "handover"):
            raise SessionError(msg("Choose remote assistance, an expert or a hand-over."))
        if not note.strip():
            raise SessionError(msg("Say what you need help with."))
        if kind == "handover" and not reason.strip():
            raise SessionError(msg("Say why the visit should be handed over."))
        request = HelpRequest(id=f"help-{uuid.uuid4().hex[:12]}", kind=kind,
                              note=note.strip()[:2000], reason=reason.strip()[:2000],
                              at=self.clock())
        self.doc.help.append(request)
        self._save("help")
        return request

    # --- delight ---------------------------------------------------------------

    def set_recommendations(self, lines: Sequence[str]) -> None:
        self._editable()
        self.doc.recommendations = [s.strip() for s in lines if s.strip()]
        self._save("delight")

    def set_follow_ups(self, lines: Sequence[str]) -> None:
        self._editable()
        self.doc.follow_ups = [s.strip() for s in lines if s.strip()]
        self._save("delight")

    def set_rating(self, rating: int | None) -> None:
        self._editable()
        if rating is not None and not 1 <= rating <= 5:
            raise SessionError(msg("The rating is 1 to 5."))
        self.doc.rating = rating
        self._save("delight")

    def rate_preparation(self, rating: int | None, note: str | None = None) -> None:
        """The technician's rating of how well the office prepared the visit (notes,
        parts, evidence); it stays editable after completion, like a note to the office."""
        if rating is not None and not 1 <= rating <= 5:
            raise SessionError(msg("The rating is 1 to 5."))
        self._still_ours()
        self.doc.prep_rating = rating
        if note is not None:
            self.doc.prep_note = note.strip()
        self._save("preparation")

    @property
    def report_language(self) -> str:
        """The language the report is written in: this report's choice, else the
        customer's (from the office), else English."""
        return report_language(self.doc, self.site)

    @property
    def customer_language(self) -> str:
        return report_language(self.doc.model_copy(update={"report_language": None}), self.site)

    def set_report_language(self, language: str | None) -> None:
        """Write this report in ``language`` (None: the customer's language again)."""
        self._editable()
        self.doc.report_language = negotiate([language]) if language else None
        self._save("report")

    def set_comment(self, text: str) -> None:
        self._editable()
        self.doc.comment = text
        self._save("delight")

    def add_stroke(self, points: Sequence[Point]) -> None:
        """One pen stroke of the customer's signature (points normalised to 0..1)."""
        self._editable()
        if len(points) < 2:
            return
        stroke = [(_unit(x), _unit(y)) for x, y in points]
        self.doc.signature.strokes.append(stroke)
        self.doc.signature.at = self.clock()
        self.doc.signature.png = None
        self._save("signature")

    def clear_signature(self) -> None:
        self._editable()
        self.doc.signature.strokes = []
        self.doc.signature.png = None
        self.doc.signature.at = None
        self._save("signature")

    def set_signer(self, name: str) -> None:
        """The customer's name in print, under their signature."""
        self._editable()
        self.doc.signature.signer = name.strip()
        self._save("signature")

    def sign_off(self, name: str | None) -> None:
        """The technician's sign-off (None withdraws it)."""
        self._editable()
        if name is not None and not name.strip():
            raise SessionError(msg("Type your name to sign off."))
        self.doc.sign_off = SignOff(name=name.strip(), at=self.clock()) if name else None
        self._save("delight")

    # --- completion ------------------------------------------------------------

    def blockers(self) -> list[Msg]:
        return blockers(self.doc, self.asset_names)

    def report_content(self) -> ReportContent:
        now = self.completed_at or self.clock()
        return build_report(self.doc, self.visit, self.site, self.assets, self.insights, now=now,
                            started_at=self.started_at, photos=self.photo_paths())

    def photo_paths(self) -> list[str]:
        """The files attached to photo steps, in checklist order (the report shows the
        images among them as thumbnails)."""
        shas = [sha for item in self.doc.checklist if item.type is StepType.PHOTO
                for sha in self.doc.result(item.id).attachments]
        return [str(self.store.attachment_path(sha)) for sha in dict.fromkeys(shas)]

    def check_complete(self) -> None:
        """Raise unless the session can be completed now."""
        self._editable()
        missing = self.blockers()
        if missing:
            raise SessionBlocked(missing)

    def complete(self, report_pdf: bytes, signature_png: bytes | None = None) -> None:
        """Keep the report (and the signature image), then mark the session completed."""
        self.check_complete()
        signature = None
        if signature_png is not None and self.doc.signature.strokes:
            signature = self.store.add_attachment(signature_png, "image/png", "signature.png")
        report = self.store.add_attachment(report_pdf, "application/pdf", self.report_filename())
        self.complete_stored(report, signature)

    def report_filename(self) -> str:
        """``2026-12-05 Acme Housing Elevator M1 (SN-1).pdf``: what the customer gets."""
        return report_file_name(self.completed_at or self.clock(), self.site,
                                [self.asset_names[a.id] for a in self.assets])

    def complete_stored(self, report_sha: str, signature_sha: str | None = None) -> None:
        """Mark the session completed with its report (and signature image) already kept
        by ``store.add_attachment``.

        No visit mutation is queued: the office derives the visit's completed status (and
        bumps its version) from the completed session; the next pull brings it down.
        """
        self.check_complete()
        if signature_sha is not None and self.doc.signature.strokes:
            self.doc.signature.png = signature_sha
        self.doc.report = report_sha
        self.doc.outcome = self.outcome_text()
        self.status = "completed"
        self.completed_at = self.clock()
        if Step.REPORT.value not in self.doc.visited:
            self.doc.visited.append(Step.REPORT.value)
        self.step = Step.REPORT
        self._save("completed")

    def outcome_text(self) -> str:
        """One line for the visit's outcome: what improved."""
        better = [(c.kpi.label, c.change_pct) for c in self.comparisons()
                  if c.verdict == "improved" and c.change_pct]
        done = sum(1 for r in self.doc.results.values() if r.status == "done")
        return outcome_line(done, better, self.doc.rating)

    def report_path(self) -> Path | None:
        return self.store.attachment_path(self.doc.report) if self.doc.report else None


def item_flag(item: ChecklistItem, kind: AssetKind | None, value: float) -> Flag | None:
    """Out-of-target flag of a step's measurement, with the metric's thresholds when the
    step measures a catalogue metric in its own unit."""
    spec = None
    if item.metric and kind is not None:
        try:
            found = metric_spec(kind, item.metric)
        except KeyError:
            found = None
        spec = found if found is not None and found.unit == (item.unit or "") else None
    return check_range(value, item.target_low, item.target_high, item.unit, spec)


def _wish_id() -> str:
    return f"w-{uuid.uuid4().hex[:12]}"


def _unit(v: float) -> float:
    """Clamped to 0..1 and rounded to 1/10,000 of the pad (keeps the document small)."""
    return round(min(max(v, 0.0), 1.0), 4)


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value) if isinstance(value, str) else None
