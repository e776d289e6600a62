"""docs/api/openapi.json is the app's generated document (regenerate with the CLI)."""

from __future__ import annotations

from pathlib import Path

import requests

from concierge_office.openapi import dump, openapi_document
from concierge_office.server import EmbeddedBackOffice

DOC = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"


def test_committed_document_matches_the_app() -> None:
    expected = dump(openapi_document())
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/api/openapi.json is stale: run "
        "python -m concierge_office.cli --export-openapi docs/api/openapi.json"
    )


def test_served_document_matches_too(office: EmbeddedBackOffice) -> None:
    served = requests.get(f"{office.url}/openapi.json", timeout=10).json()
    assert dump(served) == dump(openapi_document())
