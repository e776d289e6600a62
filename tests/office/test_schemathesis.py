"""Property-based fuzzing of the live API from its own OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from concierge_office.demo_fleet import DEMO_PASSWORD
from concierge_office.server import EmbeddedBackOffice
from tests.office.conftest import demo_office
from tests.officedb import Template

EXAMPLES = 6


@pytest.fixture(scope="module")
def fuzzed_office(
    demo_database: Template,
) -> Iterator[EmbeddedBackOffice]:
    with demo_office(demo_database) as bo:
        yield bo


@pytest.fixture(scope="module")
def token(fuzzed_office: EmbeddedBackOffice) -> str:
    response = requests.post(
        f"{fuzzed_office.url}/v1/auth/login",
        json={"username": "ana", "password": DEMO_PASSWORD},
        timeout=10,
    )
    return str(response.json()["access_token"])


CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_errors_and_responses_match_the_schema(
    fuzzed_office: EmbeddedBackOffice, token: str, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed_office.url}/openapi.json")
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    with requests.Session() as http:
        for operation in operations:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.generate],
            )
            def check(case: Any) -> None:
                case.call_and_validate(session=http, headers=headers, checks=CHECKS)

            try:
                check()
            except Unsatisfiable:
                assert (
                    mode is GenerationMode.NEGATIVE
                )  # nothing in this operation can be made invalid
