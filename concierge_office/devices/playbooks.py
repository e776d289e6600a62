# SPDX-License-Identifier: Apache-2.0
"""Remote playbooks: the catalogue of remote actions, kept as data (``playbooks.json``).

A playbook applies to an insight when its asset kind, metric and insight kind match.
The catalogue is versioned: a decision stores the version it was made with.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from concierge.domain import METRIC_CATALOGUE, AssetKind, InsightKind


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Effect(_Model):
    metric: str
    direction: Literal["up", "down"]
    min_change: Annotated[float, Field(gt=0)]
    window_seconds: Annotated[float, Field(gt=0)]
    settle_seconds: Annotated[float, Field(ge=0)] = 0.0
    min_samples: Annotated[int, Field(ge=1)] = 3


class Playbook(_Model):
    id: Annotated[str, Field(pattern=r"^[a-z0-9-]{1,64}$")]
    asset_kind: AssetKind
    metric: str
    insight_kinds: list[InsightKind]
    command: Annotated[str, Field(pattern=r"^[a-z0-9_.]{1,64}$")]
    params: dict[str, str | int | float | bool] = {}
    safety: Literal["automatic", "approval"]
    summary: str
    customer_note: str
    effect: Effect
    ack_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 30.0
    expires_seconds: Annotated[float, Field(gt=0)] = 3600.0

    @model_validator(mode="after")
    def _known_metrics(self) -> Playbook:
        keys = {s.key for s in METRIC_CATALOGUE[self.asset_kind]}
        for metric in (self.metric, self.effect.metric):
            if metric not in keys:
                raise ValueError(f"{self.asset_kind} has no metric {metric!r}")
        return self


class Catalogue(_Model):
    version: Annotated[int, Field(ge=1)]
    about: str = ""
    playbooks: list[Playbook]

    def find(self, insight_kind: str, asset_kind: str, metric: str) -> Playbook | None:
        for playbook in self.playbooks:
            if (
                playbook.asset_kind.value == asset_kind
                and playbook.metric == metric
                and insight_kind in {k.value for k in playbook.insight_kinds}
            ):
                return playbook
        return None

    def by_id(self, playbook_id: str) -> Playbook | None:
        return next((p for p in self.playbooks if p.id == playbook_id), None)


def load_playbooks(path: Path | None = None) -> Catalogue:
    """The packaged catalogue, or the one at ``path``."""
    if path is None:
        text = resources.files("concierge_office.devices").joinpath("playbooks.json").read_text()
    else:
        text = path.read_text()
    return Catalogue.model_validate(json.loads(text))
