"""Every path that serves visits, sites and insights shapes them as the caller reads them
(``concierge_office.client_view``): a client that announces no sync features (one from
before the additive fields) gets records its strict schema parses; one that announces
``text-codes`` gets the fields.  Real office on 127.0.0.1, plain HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, create_model

from concierge.protocol import schemas
from concierge_office.demo_fleet import ADMIN_LOGIN
from concierge_office.server import EmbeddedBackOffice
from tests.office.conftest import Api, LoginFactory, mutation

MODELS: dict[str, type[schemas.Record]] = {
    "visit": schemas.Visit, "site": schemas.Site, "insight": schemas.Insight}


def old_strict(model: type[BaseModel]) -> type[BaseModel]:
    """``model`` as a client from before the additive fields has it: without them, and
    refusing any field it does not know."""
    fields: dict[str, Any] = {name: (info.annotation, info)
                              for name, info in model.model_fields.items()
                              if name not in schemas.ADDITIVE_FIELDS}
    return create_model(f"Old{model.__name__}", __config__=ConfigDict(extra="forbid"),
                        **fields)


OLD = {entity: old_strict(model) for entity, model in MODELS.items()}


def _ids(ana: Api) -> dict[str, str]:
    """A visit of Ana's with an insight, and its site."""
    visit = next(v for v in ana.ok("GET", "/v1/visits") if v["insight_ids"])
    return {"visit": visit["id"], "site": visit["site_id"], "insight": visit["insight_ids"][0]}


def _served(bo: EmbeddedBackOffice, login: LoginFactory, path: str,
            features: bool) -> tuple[str, list[dict[str, Any]]]:
    """The records ``path`` serves a client with (or without) this version's features."""
    ana, office = login(bo, "ana"), login(bo, ADMIN_LOGIN)
    if features:
        ana.reads_like_the_laptop()
        office.reads_like_the_laptop()
    ids = _ids(ana)
    if path == "PATCH /v1/admin/visits/{visit}":
        body = {"office_notes": "Bring the ladder."}
        return "visit", [office.ok("PATCH", f"/v1/admin/visits/{ids['visit']}", json=body)]
    if path.startswith("POST /v1/sync/push"):  # the stored record, and the office's
        version = ana.ok("GET", f"/v1/visits/{ids['visit']}")["version"]
        applied, conflict = ana.push(
            mutation("visit", ids["visit"], version, {"technician_notes": "Ladder"}),
            mutation("visit", ids["visit"], version, {"technician_notes": "Stale"}))
        assert (applied["status"], conflict["status"]) == ("applied", "conflict")
        return "visit", [applied["record"], conflict["record"]]
    method, template = path.split(" ")
    entity = template.split("/")[2].rstrip("s")
    reply = ana.ok(method, template.format(**ids))
    return entity, reply if isinstance(reply, list) else [reply]


PATHS = ["GET /v1/visits", "GET /v1/visits/{visit}", "GET /v1/sites/{site}",
         "GET /v1/insights/{insight}", "PATCH /v1/admin/visits/{visit}",
         "POST /v1/sync/push (results)"]
ADDED = {"visit": {"summary_code"}, "insight": {"headline_code"},
         "site": {"contract", "remote_fixes"}}


@pytest.mark.parametrize("path", PATHS)
def test_a_client_without_the_features_gets_what_its_strict_schema_parses(
    fresh_office: EmbeddedBackOffice, login: LoginFactory, path: str
) -> None:
    entity, served = _served(fresh_office, login, path, features=False)
    assert served
    for record in served:
        assert not schemas.ADDITIVE_FIELDS & set(record), (path, record)
        OLD[entity].model_validate(record)  # raises on a field it does not know


@pytest.mark.parametrize("path", PATHS)
def test_a_client_with_the_features_gets_the_additive_fields(
    fresh_office: EmbeddedBackOffice, login: LoginFactory, path: str
) -> None:
    entity, served = _served(fresh_office, login, path, features=True)
    assert served
    for record in served:
        assert ADDED[entity] <= set(record), (path, sorted(record))
        MODELS[entity].model_validate(record)
        with pytest.raises(ValueError, match="Extra inputs are not permitted"):
            OLD[entity].model_validate(record)  # what an older client would have refused
    codes = [r.get("summary_code") or r.get("headline_code") for r in served]
    if entity in ("visit", "insight"):  # the demo's visits and insights have their codes
        assert any(code and schemas.CodedText.model_validate(code) for code in codes)

