"""Schemathesis over the merged OpenAPI document, in-process, against every group.

Every documented operation is called with generated input: no answer may be a server
error, and every answer must match the document (status declared, body per schema).
The run grows by itself as groups add routes. Operations are parametrized by hand so
each has its own test id (schemathesis' own parametrize gives them one shared id, which
pytest-xdist cannot tell apart).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tools.local.gateway import LocalGateway

# Loading the document needs no AWS; calling the operations does (the `aws` fixture).
schema = schemathesis.openapi.from_asgi("/openapi.json", LocalGateway())
OPERATIONS = {result.ok().label: result.ok() for result in schema.get_all_operations()}


def test_the_document_lists_operations() -> None:
    assert "GET /api/v1/readyz" in OPERATIONS


# Operations that start a pipeline run are called without a token (their 401 is checked);
# generated bodies would otherwise start dozens of executions. Dedicated tests cover them.
STARTS_WORK = {"POST /api/v1/jobs", "POST /api/v1/jobs/{job_ref}/retry"}


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_operation_conforms_to_the_document(label: str, token_for: Any) -> None:
    headers = {} if label in STARTS_WORK else token_for("contract-team")
    # Every other check runs (no server error; status, headers and body as documented).
    # "Schema-valid data must be accepted" cannot hold where rules go beyond a schema: a
    # cursor must be one of ours (400), a file path must stay inside the tree (400), web
    # is built alone while android and ios go together (422 naming the allowed values).
    excluded = [positive_data_acceptance]

    @given(case=OPERATIONS[label].as_strategy())
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    check()
