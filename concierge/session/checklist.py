# SPDX-License-Identifier: Apache-2.0
"""Checklist generation: the asset kind's template, the open insights and the customer's wishes.

Template steps carrying ``when_metrics`` / ``when_tags`` are included only when an open
insight concerns one of those metrics or a wish carries one of those tags (either is
enough). An open insight no included step addresses gets a step of its own, and every
session starts and ends with the core steps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from concierge.domain import METRIC_CATALOGUE, AssetKind, StepType, metric_spec
from concierge.i18n import N_, Msg, msg
from concierge.insights.text import explanation_msg, headline_text
from concierge.protocol.schemas import Asset, ChecklistStepTemplate, ChecklistTemplate, Insight
from concierge.session.model import WISH_TAGS, ChecklistItem

# Step texts are stored in English and looked up in the catalogue when shown
# (``step_title_msg`` and friends): ours, and the demo templates' (marked N_ in
# concierge_office/demo_templates.py); an office's own wording finds no entry and shows
# as it was sent.
CORE_FIRST = ChecklistStepTemplate(
    key="core-safety",
    title=N_("Site made safe and the plan agreed with the customer"),
    instructions=N_("Isolate or secure what you will work on, and agree with the customer what "
                    "you will tune and how long it may be unavailable."),
    type=StepType.CHECK,
)
CORE_LAST = ChecklistStepTemplate(
    key="core-handover",
    title=N_("Changes explained and the site left clean"),
    instructions=N_("Walk the customer through what you changed and why, restore normal "
                    "operation and leave the work area clean."),
    type=StepType.CHECK,
)
ALWAYS = N_("Always part of a session")
STANDARD = N_("Standard step for this equipment")
INSIGHT_REASON = "Insight: "
WISH_REASON = "Customer wish: "
_OWN_TEXTS = frozenset({CORE_FIRST.title, CORE_FIRST.instructions, CORE_LAST.title,
                        CORE_LAST.instructions, ALWAYS, STANDARD})


def _own(text: str) -> Msg | str:
    return Msg(text) if text in _OWN_TEXTS else text


def step_title_msg(item: ChecklistItem) -> Msg | str:
    """The step's title: ours from the catalogue, an insight step's by its metric."""
    if item.key.startswith("insight-") and item.metric and item.asset_id:
        name = Msg(item.title.split(":", 1)[0])
        if item.type is StepType.MEASUREMENT:
            return msg("{metric}: tuned and measured", metric=name)
        return msg("{metric}: service done and counter reset", metric=name)
    return Msg(item.title)


_TUNE = msg("Find the cause, tune, then measure again.")
_SERVICE = msg("Do the service due at this count and reset the counter.")


def step_instructions_msg(item: ChecklistItem, insights: Iterable[Insight] = ()) -> Msg | str:
    """Our own instructions, the demo templates' measuring hint, or the office's text.
    An insight's step (its explanation, then what to do) from the insight's data when it
    is among ``insights``; without that data the English stays for English readers."""
    for action in (_TUNE, _SERVICE):
        if item.key.startswith("insight-") and item.instructions.endswith(" " + action.text):
            insight = next((i for i in insights if i.id in item.insight_ids), None)
            explained = explanation_msg(insight) if insight is not None else None
            if explained is not None:
                return msg("{explanation} {action}", explanation=explained, action=action)
    if m := _MEASURE_HINT.fullmatch(item.instructions):
        label = next((s.label for specs in METRIC_CATALOGUE.values() for s in specs
                      if s.label.lower() == m.group(1)), None)
        if label is not None and item.target_low is not None and item.target_high is not None:
            return msg("Measure and enter {metric} ({unit}); normal is {low} to {high}.",
                       metric=Msg(label), unit=m.group(2), low=item.target_low,
                       high=item.target_high)
    return _own(item.instructions)


def choice_msg(choice: str) -> Msg:
    """A choice of a choice step (stored in English), for the reader."""
    return Msg(choice)


_MEASURE_HINT = re.compile(r"Measure and enter (.+) \((.+)\); normal is \S+ to \S+\.")


def reason_msg(reason: str, insights: Iterable[Insight] = ()) -> Msg | str:
    """A stored reason (English, as generated) as a message for the reader; an insight's
    headline from its code and parameters when one of ``insights`` has that headline."""
    if reason.startswith(INSIGHT_REASON):
        headline = reason.removeprefix(INSIGHT_REASON)
        coded = next((i.headline_code for i in insights
                      if i.headline == headline and i.headline_code is not None), None)
        return msg("Insight: {headline}", headline=headline_text(headline, coded))
    if reason.startswith(WISH_REASON):
        return msg("Customer wish: {wish}", wish=Msg(reason.removeprefix(WISH_REASON)))
    return _own(reason)


def generate(
    assets: Sequence[Asset],
    templates: Mapping[AssetKind, ChecklistTemplate | None],
    insights: Iterable[Insight],
    tags: Iterable[str],
) -> list[ChecklistItem]:
    """The session's checklist, in working order."""
    wished = set(tags)
    open_insights = [i for i in insights if i.status == "open"]
    items = [_item(CORE_FIRST, "", [ALWAYS], [])]
    for asset in assets:
        concerns = [i for i in open_insights if i.asset_id == asset.id]
        template = templates.get(asset.kind)
        steps = template.steps if template else []
        asset_items = [
            _item(step, asset.id, reasons, [i.id for i in concerns if _addresses(step, i)])
            for step in steps
            if (reasons := _reasons(step, concerns, wished))
        ]
        covered = {ins for item in asset_items for ins in item.insight_ids}
        asset_items += [_insight_item(asset, i) for i in concerns if i.id not in covered]
        items += asset_items
    items.append(_item(CORE_LAST, "", [ALWAYS], []))
    return items


def _reasons(step: ChecklistStepTemplate, concerns: list[Insight], wished: set[str]) -> list[str]:
    """Why ``step`` is in the checklist; empty when it is not."""
    if not step.when_metrics and not step.when_tags:
        return [STANDARD]
    reasons = [INSIGHT_REASON + i.headline for i in concerns if i.metric in step.when_metrics]
    reasons += [WISH_REASON + WISH_TAGS.get(t, t) for t in step.when_tags if t in wished]
    return reasons


def _addresses(step: ChecklistStepTemplate, insight: Insight) -> bool:
    return insight.metric in step.when_metrics or insight.metric == step.metric


def _item(
    step: ChecklistStepTemplate, asset_id: str, reasons: list[str], insight_ids: list[str]
) -> ChecklistItem:
    return ChecklistItem(
        id=f"{asset_id or 'session'}/{step.key}",
        asset_id=asset_id,
        key=step.key,
        title=step.title,
        instructions=step.instructions,
        type=step.type,
        required=step.required,
        unit=step.unit,
        target_low=step.target_low,
        target_high=step.target_high,
        choices=list(step.choices),
        metric=step.metric,
        insight_ids=insight_ids,
        reasons=reasons,
    )


def _insight_item(asset: Asset, insight: Insight) -> ChecklistItem:
    """A step for an open insight the template has nothing for."""
    spec = metric_spec(asset.kind, insight.metric)
    key = f"insight-{insight.id}"
    measure = not spec.counter
    return ChecklistItem(
        id=f"{asset.id}/{key}",
        asset_id=asset.id,
        key=key,
        title=f"{spec.label}: tuned and measured" if measure
        else f"{spec.label}: service done and counter reset",
        instructions=f"{insight.explanation} "
        + (_TUNE.text if measure else _SERVICE.text),
        type=StepType.MEASUREMENT if measure else StepType.CHECK,
        unit=spec.unit if measure else None,
        target_low=spec.normal_low if measure else None,
        target_high=spec.normal_high if measure else None,
        metric=insight.metric,
        insight_ids=[insight.id],
        reasons=[INSIGHT_REASON + insight.headline],
    )
