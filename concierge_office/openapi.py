# SPDX-License-Identifier: Apache-2.0
"""The OpenAPI document, generated from the app (kept in ``docs/api/openapi.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from concierge_office.app import create_app
from concierge_office.db import Database
from concierge_office.engine import ProactiveEngine
from concierge_office.state import AppState, Clock, Config


def openapi_document() -> dict[str, Any]:
    database = Database("sqlite://")  # never connected: the document needs no data
    state = AppState(Config(database_url="sqlite://"), database, Clock(), ProactiveEngine(database))
    return create_app(state).openapi()


def dump(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def export_openapi(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump(openapi_document()), encoding="utf-8")
