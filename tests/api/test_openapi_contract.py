"""Schemathesis over the merged OpenAPI document, in-process, against every group.

Every documented operation is called with generated input: no answer may be a server
error, and every answer must match the document (status declared, body per schema).
The run grows by itself as groups add routes.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tools.local.gateway import LocalGateway

# Loading the document needs no AWS; calling the operations does (the `aws` fixture).
schema = schemathesis.openapi.from_asgi("/openapi.json", LocalGateway())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.usefixtures("aws")
def test_every_operation_conforms_to_the_document(case: Any) -> None:
    case.call_and_validate()
