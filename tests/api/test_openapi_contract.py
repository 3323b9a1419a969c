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

from tools.local.gateway import LocalGateway

# Loading the document needs no AWS; calling the operations does (the `aws` fixture).
schema = schemathesis.openapi.from_asgi("/openapi.json", LocalGateway())
OPERATIONS = {result.ok().label: result.ok() for result in schema.get_all_operations()}


def test_the_document_lists_operations() -> None:
    assert "GET /api/v1/readyz" in OPERATIONS


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_operation_conforms_to_the_document(label: str) -> None:
    @given(case=OPERATIONS[label].as_strategy())
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        case.call_and_validate()

    check()
