"""Lazy, cached AWS clients: nothing is imported or created until a request needs it."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from shared.settings import get_settings

if TYPE_CHECKING:
    from botocore.client import BaseClient


@cache
def client(
    service_name: str,
    *,
    connect_timeout: float = 2,
    read_timeout: float = 10,
    retries: int = 3,
) -> BaseClient:
    """The cached client of `service_name` with these timeouts (seconds) and `retries`
    after the first attempt (botocore's standard mode). The defaults suit a request path;
    a caller that waits longer or retries itself says so (the Bedrock provider: minutes
    and none)."""
    import boto3  # ~0.1 s: paid by the first request that talks to AWS, not by cold start
    from botocore.config import Config

    settings = get_settings()
    if settings.app_env == "aws":
        from shared.observability import get_tracer

        get_tracer()  # patches botocore, so this and every later client is traced
    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"max_attempts": retries, "mode": "standard"},
    )
    session = boto3.session.Session(region_name=settings.aws_region)
    result: Any = session.client(service_name, config=config)  # type: ignore[call-overload]
    return result  # type: ignore[no-any-return]


def reset_clients() -> None:
    """Forget cached clients (tests that swap the emulated account or region)."""
    client.cache_clear()
