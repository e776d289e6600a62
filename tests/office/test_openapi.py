"""docs/api/openapi.json is the app's generated document (regenerate with the CLI).

The document depends on the FastAPI and pydantic that generate it, so it is generated,
and compared, with the versions in the lock file.
"""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import requests

from concierge_office.openapi import dump, openapi_document
from concierge_office.server import EmbeddedBackOffice

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "api" / "openapi.json"
LOCK = ROOT / "requirements" / "dev.lock"
GENERATORS = ("fastapi", "pydantic", "pydantic-core", "starlette")


def locked_version(name: str) -> str:
    match = re.search(rf"^{re.escape(name)}==(\S+)", LOCK.read_text(), re.MULTILINE)
    assert match, f"{name} is not in {LOCK.name}"
    return match.group(1)


def test_the_generators_are_the_locked_versions() -> None:
    installed = {name: version(name) for name in GENERATORS}
    locked = {name: locked_version(name) for name in GENERATORS}
    assert installed == locked, "install the locked versions first: make setup"


def test_committed_document_matches_the_app() -> None:
    test_the_generators_are_the_locked_versions()
    expected = dump(openapi_document())
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/api/openapi.json is stale: run "
        "python -m concierge_office.cli --export-openapi docs/api/openapi.json"
    )


def test_served_document_matches_too(office: EmbeddedBackOffice) -> None:
    served = requests.get(f"{office.url}/openapi.json", timeout=10).json()
    assert dump(served) == dump(openapi_document())


def test_document_carries_the_app_version() -> None:
    assert openapi_document()["info"]["version"] == version("field-concierge")
