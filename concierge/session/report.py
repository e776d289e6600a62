# SPDX-License-Identifier: Apache-2.0
"""What the customer's report says, built from the session (the UI lays it out as a PDF)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from concierge.domain import StepType
from concierge.protocol.schemas import Asset, Insight, Site, Visit
from concierge.session.impact import HORIZON_DAYS, InsightOutcome, insight_outcomes
from concierge.session.kpi import Comparison, compare
from concierge.session.model import WISH_TAGS, ChecklistItem, Point, SessionDoc, StepResult
from concierge.session.text import asset_label, fmt_value


@dataclass(frozen=True)
class ReportLine:
    title: str
    detail: str
    where: str  # asset label, or "" for the whole site


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
    wishes_text: str
    wish_tags: list[str]
    done: list[ReportLine]
    skipped: list[ReportLine]
    comparisons: list[Comparison]
    insights: list[InsightOutcome]
    asset_names: dict[str, str]
    recommendations: list[str]
    follow_ups: list[str]
    rating: int | None
    comment: str
    signature: list[list[Point]]
    signature_png: str | None
    signed_off_by: str | None
    signed_off_at: datetime | None
    horizon_days: float = HORIZON_DAYS


def build_report(
    doc: SessionDoc,
    visit: Visit,
    site: Site | None,
    assets: Sequence[Asset],
    insights: Sequence[Insight],
    *,
    now: datetime,
) -> ReportContent:
    names = {a.id: asset_label(a.kind, a.model, a.serial) for a in assets}
    kinds = {a.id: a.kind for a in assets}
    done, skipped = [], []
    for item in doc.checklist:
        r = doc.result(item.id)
        where = names.get(item.asset_id, "")
        if r.status == "done":
            done.append(ReportLine(item.title, result_text(item, r), where))
        elif r.status == "skipped":
            skipped.append(ReportLine(item.title, r.skip_reason, where))
    return ReportContent(
        title="Your optimisation visit",
        customer=site.customer_name if site else "",
        site=site.name if site else "",
        address=site.address if site else "",
        visit_id=visit.id,
        reason=visit.summary,
        technician=doc.sign_off.name if doc.sign_off else "",
        date=now,
        present=list(doc.wishes.present),
        customer_present=doc.wishes.customer_present,
        wishes_text=doc.wishes.text,
        wish_tags=[WISH_TAGS.get(t, t) for t in doc.wishes.tags],
        done=done,
        skipped=skipped,
        comparisons=compare(doc, kinds),
        insights=insight_outcomes(insights, doc, kinds, now.timestamp()),
        asset_names=names,
        recommendations=list(doc.recommendations),
        follow_ups=list(doc.follow_ups),
        rating=doc.rating,
        comment=doc.comment,
        signature=[list(s) for s in doc.signature.strokes],
        signature_png=doc.signature.png,
        signed_off_by=doc.sign_off.name if doc.sign_off else None,
        signed_off_at=doc.sign_off.at if doc.sign_off else None,
    )


def result_text(item: ChecklistItem, r: StepResult) -> str:
    """The recorded input of a done step, in words."""
    if item.type is StepType.MEASUREMENT and isinstance(r.value, float | int):
        text = fmt_value(float(r.value), item.unit or "")
    elif item.type is StepType.PHOTO:
        n = len(r.attachments)
        text = f"{n} photo{'s' if n != 1 else ''} or file{'s' if n != 1 else ''} attached"
    elif item.type in (StepType.CHOICE, StepType.NOTE) and isinstance(r.value, str):
        text = r.value
    else:
        text = "Done"
    return f"{text} — {r.note}" if r.note.strip() else text
