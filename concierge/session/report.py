# SPDX-License-Identifier: Apache-2.0
"""What the customer's report says, built from the session (the UI lays it out as a PDF)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from concierge.domain import StepType
from concierge.i18n import SOURCE, Translator, msg, negotiate, nmsg, pmsg, translator_for
from concierge.insights.text import headline_text
from concierge.protocol.schemas import Asset, Insight, Site, Visit
from concierge.session.checklist import choice_msg, step_title_msg
from concierge.session.impact import HORIZON_DAYS, InsightOutcome, insight_outcomes
from concierge.session.kpi import Comparison, compare
from concierge.session.model import (
    WISH_TAGS,
    ChecklistItem,
    GoodwillRequest,
    Point,
    SessionDoc,
    StepResult,
    Wish,
)
from concierge.session.text import asset_label, fmt_value


def report_language(doc: SessionDoc, site: Site | None) -> str:
    """The report's language: the technician's choice for this report, else the customer's
    preferred language (set by the office), else English."""
    if doc.report_language:
        return negotiate([doc.report_language])
    return negotiate([site.language]) if site is not None else SOURCE


@dataclass(frozen=True)
class ReportLine:
    title: str
    detail: str
    where: str  # asset label, or "" for the whole site


@dataclass(frozen=True)
class WishLine:
    """A wish as the report tells it: the customer's words, their answer and what next."""

    text: str
    tags: list[str]
    answer: str  # in words; "" when not asked
    status: str  # open, solved, partly, not_yet
    comment: str
    since: str  # "" for this visit's own wishes, else the earlier visit's date in words
    follow_up_by: datetime | None  # for a wish not solved: when we come back to it


@dataclass(frozen=True)
class ReportContent:
    title: str
    customer: str
    site: str
    address: str
    visit_id: str
    reason: str
    technician: str
    date: datetime
    present: list[str]
    customer_present: bool
    wishes: list[WishLine]
    wish_tags: list[str]
    done: list[ReportLine]
    skipped: list[ReportLine]
    comparisons: list[Comparison]
    insights: list[InsightOutcome]
    asset_names: dict[str, str]
    asset_kinds: dict[str, str]
    recommendations: list[str]
    follow_ups: list[str]
    rating: int | None
    comment: str
    signature: list[list[Point]]
    signature_png: str | None
    signed_off_by: str | None
    signed_off_at: datetime | None
    signer: str = ""  # the customer's name in print
    goodwill: list[GoodwillRequest] = field(default_factory=list)
    started_at: datetime | None = None  # arrival on site (the session's start)
    photos: list[str] = field(default_factory=list)  # file paths of the photos taken
    language: str = SOURCE
    horizon_days: float = HORIZON_DAYS
    office_phone: str = ""  # the site's contract's, for "who to call"

    @property
    def translator(self) -> Translator:
        return translator_for(self.language)

    @property
    def time_on_site(self) -> timedelta | None:
        """From arrival to the technician's sign-off (else to the report's date)."""
        if self.started_at is None:
            return None
        end = self.signed_off_at or self.date
        return end - self.started_at if end > self.started_at else None


UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def report_file_name(date: datetime, site: Site | None, asset_names: Sequence[str]) -> str:
    """``<date> <customer> <asset>.pdf``, safe as a file name on every platform."""
    customer = site.customer_name if site else ""
    asset = asset_names[0] if len(asset_names) == 1 else (
        f"{asset_names[0]} +{len(asset_names) - 1}" if asset_names else "")
    parts = [date.date().isoformat(), customer, asset]
    name = " ".join(UNSAFE_IN_NAMES.sub(" ", p).strip() for p in parts if p.strip())
    return " ".join(name.split())[:150].rstrip(" .") + ".pdf"


def build_report(
    doc: SessionDoc,
    visit: Visit,
    site: Site | None,
    assets: Sequence[Asset],
    insights: Sequence[Insight],
    *,
    now: datetime,
    language: str | None = None,
    started_at: datetime | None = None,
    photos: Sequence[str] = (),
) -> ReportContent:
    """The report's content in ``language`` (default: ``report_language``)."""
    language = language or report_language(doc, site)
    t = translator_for(language)
    names = {a.id: asset_label(a.kind, a.model, a.serial, t=t) for a in assets}
    kinds = {a.id: a.kind for a in assets}
    done, skipped = [], []
    for item in doc.checklist:
        r = doc.result(item.id)
        where = names.get(item.asset_id, "")
        title = t.render(step_title_msg(item))
        if r.status == "done":
            done.append(ReportLine(title, result_text(item, r, t), where))
        elif r.status == "skipped":
            skipped.append(ReportLine(title, r.skip_reason, where))
    return ReportContent(
        title=t.render(msg("Your optimisation visit")),
        customer=site.customer_name if site else "",
        site=site.name if site else "",
        address=site.address if site else "",
        visit_id=visit.id,
        reason=t.render(headline_text(visit.summary, visit.summary_code)),
        technician=doc.sign_off.name if doc.sign_off else "",
        date=now,
        present=list(doc.wishes.present),
        customer_present=doc.wishes.customer_present,
        wishes=[wish_line(w, t, now) for w in doc.wishes.items],
        wish_tags=[t.gettext(WISH_TAGS.get(tag, tag)) for tag in doc.wishes.tags],
        done=done,
        skipped=skipped,
        comparisons=compare(doc, kinds),
        insights=insight_outcomes(insights, doc, kinds, now.timestamp()),
        asset_names=names,
        asset_kinds={a.id: str(a.kind) for a in assets},
        recommendations=list(doc.recommendations),
        follow_ups=list(doc.follow_ups),
        rating=doc.rating,
        comment=doc.comment,
        signature=[list(s) for s in doc.signature.strokes],
        signature_png=doc.signature.png,
        signed_off_by=doc.sign_off.name if doc.sign_off else None,
        signed_off_at=doc.sign_off.at if doc.sign_off else None,
        signer=doc.signature.signer,
        goodwill=list(doc.goodwill),
        started_at=started_at,
        photos=list(photos),
        language=language,
        office_phone=site.contract.office_phone if site and site.contract else "",
    )


WISH_ANSWER_WORDS = {"yes": pmsg("wish answer", "Yes, solved"),
                     "partly": pmsg("wish answer", "Partly"),
                     "not_yet": pmsg("wish answer", "Not yet")}
FOLLOW_UP_DAYS = 14  # a wish not solved is followed up within this many days


def wish_line(w: Wish, t: Translator, now: datetime) -> WishLine:
    since = ""
    if w.since:
        try:
            since = t.format_date(date.fromisoformat(w.since), "long")
        except ValueError:
            since = w.since
    open_after = w.answer != "yes"
    return WishLine(
        text=w.text, tags=[t.gettext(WISH_TAGS.get(tag, tag)) for tag in w.tags],
        answer=t.render(WISH_ANSWER_WORDS[w.answer]) if w.answer else "",
        status=w.status, comment=w.comment, since=since,
        follow_up_by=now + timedelta(days=FOLLOW_UP_DAYS) if open_after else None)


def result_text(item: ChecklistItem, r: StepResult, t: Translator) -> str:
    """The recorded input of a done step, in words."""
    if item.type is StepType.MEASUREMENT and isinstance(r.value, float | int):
        text = fmt_value(float(r.value), item.unit or "", t=t)
    elif item.type is StepType.PHOTO:
        n = len(r.attachments)
        text = t.render(nmsg("{count} photo or file attached", "{count} photos or files attached",
                             n))
    elif item.type is StepType.CHOICE and isinstance(r.value, str):
        text = t.render(choice_msg(r.value))
    elif item.type is StepType.NOTE and isinstance(r.value, str):
        text = r.value
    else:
        text = t.render(msg("Done"))
    return f"{text} — {r.note}" if r.note.strip() else text
