"""The four steps of a Secrets Manager rotation, for the token signing key.

createSecret stages a new key as AWSPENDING, keeping the current key's public half as
retired until every token it signed has expired; testSecret proves the pending value
loads; finishSecret makes it AWSCURRENT. No external system holds the key, so setSecret
has nothing to do. Each step is safe to repeat: Secrets Manager retries them.
"""

from __future__ import annotations

import time
from typing import Literal

from shared.auth.signing import load_key_set, rotated_material
from shared.auth.tokens import LEEWAY_SECONDS
from shared.aws import client
from shared.observability import logger
from shared.settings import get_settings

Step = Literal["createSecret", "setSecret", "testSecret", "finishSecret"]
PENDING = "AWSPENDING"
CURRENT = "AWSCURRENT"


def longest_token_seconds() -> int:
    """How long a token signed now can stay valid: the longest lifetime, plus leeway."""
    settings = get_settings()
    return (
        max(settings.access_token_minutes * 60, settings.service_token_hours * 3600)
        + LEEWAY_SECONDS
    )


def rotate(secret_id: str, token: str, step: Step) -> None:
    secrets = client("secretsmanager")
    described = secrets.describe_secret(SecretId=secret_id)
    if not described.get("RotationEnabled", False):
        raise ValueError("rotation is not enabled on the signing key secret")
    stages = described.get("VersionIdsToStages", {})
    if token not in stages:
        raise ValueError("the rotation's version is not a version of the secret")
    if PENDING not in stages[token] and CURRENT not in stages[token]:
        raise ValueError("the rotation's version is neither pending nor current")
    if CURRENT in stages[token] and step != "finishSecret":
        logger.info("signing key version already current", extra={"step": step})
        return
    if step == "createSecret":
        _create(secret_id, token)
    elif step == "testSecret":
        pending = secrets.get_secret_value(
            SecretId=secret_id, VersionId=token, VersionStage=PENDING
        )
        load_key_set(pending["SecretString"])  # raises on a value that cannot sign
    elif step == "finishSecret":
        _finish(secret_id, token, stages)
    logger.info("signing key rotation step done", extra={"step": step})


def _create(secret_id: str, token: str) -> None:
    secrets = client("secretsmanager")
    try:
        secrets.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage=PENDING)
        return  # already staged by an earlier attempt of this step
    except secrets.exceptions.ResourceNotFoundException:
        pass
    current = secrets.get_secret_value(SecretId=secret_id, VersionStage=CURRENT)
    secrets.put_secret_value(
        SecretId=secret_id,
        ClientRequestToken=token,
        SecretString=rotated_material(
            current["SecretString"], time.time(), longest_token_seconds()
        ),
        VersionStages=[PENDING],
    )


def _finish(secret_id: str, token: str, stages: dict[str, list[str]]) -> None:
    secrets = client("secretsmanager")
    current = next((version for version, names in stages.items() if CURRENT in names), None)
    if current != token:
        secrets.update_secret_version_stage(
            SecretId=secret_id,
            VersionStage=CURRENT,
            MoveToVersionId=token,
            RemoveFromVersionId=current,
        )
    if PENDING in stages.get(token, []):
        # Done: no version is pending, so the next rotation can start.
        secrets.update_secret_version_stage(
            SecretId=secret_id, VersionStage=PENDING, RemoveFromVersionId=token
        )
