"""`Idempotency-Key` for writes that create work, on Powertools idempotency (DynamoDB).

The same key with the same body within 24 hours answers what the first request answered
and does the work once; the same key with another body is refused (422); a repeat while
the first is still running is a 409.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from shared.aws import client
from shared.errors import Conflict, DomainError
from shared.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

EXPIRES_AFTER_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(DomainError):
    # 409: the key is bound to the request first sent with it, state the body cannot show
    # (the IETF draft suggests 422; ours keeps 422 for what the document itself refuses).
    status_code = 409
    default_detail = "this Idempotency-Key was used with a different request body"


def persistence() -> DynamoDBPersistenceLayer:
    """A new layer over the idempotency table. Powertools binds a layer to the first
    configuration it serves (its key expression, expiry): each idempotent function needs
    its own, or one function's records are keyed by another's expression."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(
        table_name=get_settings().table_name("idempotency"), boto3_client=client("dynamodb")
    )  # type: ignore[arg-type]


@cache
def _requests() -> DynamoDBPersistenceLayer:
    return persistence()


def run_once(
    scope: str,
    team_id: str,
    key: str | None,
    payload: dict[str, Any],
    produce: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """`produce()` once per (scope, team, key); its JSON-able answer is stored and replayed.
    Without a key (the caller sent no Idempotency-Key) it simply runs."""
    if not key:
        return produce()
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    config = IdempotencyConfig(
        event_key_jmespath="[scope, team_id, key]",
        payload_validation_jmespath="payload",
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
    )

    @idempotent_function(
        data_keyword_argument="request", persistence_store=_requests(), config=config
    )
    def once(request: dict[str, Any]) -> dict[str, Any]:
        return produce()

    try:
        answer: dict[str, Any] = once(
            request={
                "scope": scope,
                "team_id": team_id,
                "key": key[:MAX_KEY_LENGTH],
                "payload": payload,
            }
        )
    except IdempotencyValidationError as exc:
        raise IdempotencyKeyReused() from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise Conflict("a request with this Idempotency-Key is still being processed") from exc
    return answer
