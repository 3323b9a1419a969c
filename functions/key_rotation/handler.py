"""Lambda entry of the signing key rotation (invoked by Secrets Manager): wiring only."""

from typing import Any

from functions.key_rotation.service import rotate
from shared.observability import lambda_entry


def _handler(event: dict[str, Any], context: Any) -> None:
    rotate(event["SecretId"], event["ClientRequestToken"], event["Step"])


handler = lambda_entry(_handler)
