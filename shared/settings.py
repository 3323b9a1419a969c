"""Settings, read once from the environment through ``get_settings()``.

``APP_ENV`` says where the code runs: ``local`` (``make dev``, emulated AWS), ``test``
(the test suite, emulated AWS) or ``aws`` (deployed). Only the values differ; the code
paths are the same.

Each field is read from the environment variable of its name in capitals (``STAGE``,
``AWS_REGION``, ...) and validated by pydantic. pydantic-settings would do the same, but
importing it (its CLI, dotenv and cloud sources come with it) cost 15 ms of every
function's cold start, 3 % of a data group's, measured with ``python -X importtime``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from shared.db.tables import TABLES_BY_KEY

AppEnv = Literal["local", "test", "aws"]
# The account the emulated AWS (moto) answers as.
LOCAL_ACCOUNT_ID = "123456789012"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    app_env: AppEnv = "local"
    stage: str = "dev"
    service_name: str = "software-factory"
    version: str = "0.1.0"
    log_level: str = "INFO"

    aws_region: str = "us-east-1"
    # Every table is named `<resource_prefix>-<table key>`; CDK passes the same prefix.
    resource_prefix: str = "factory-local"
    artifacts_bucket: str = "factory-local-artifacts"
    event_bus_name: str = "factory-local-bus"
    state_machine_arn: str | None = None
    # The workflows interpreter state machine's ARN (CDK passes it; local: by its name).
    workflows_machine_arn: str | None = None
    # The role one-time schedules (shared.schedules) run with: CDK passes its ARN.
    schedules_role_arn: str | None = None
    # Notification e-mail's From (an SES identity verified in the account; the emulator
    # verifies it locally) and the Telegram Bot API's base URL (tests point it at loopback).
    notification_sender: str = "notifications@software-factory.example"
    telegram_api_url: str = "https://api.telegram.org"
    # Stripe's API (tests point it at a loopback fake; nothing else should change it).
    stripe_api_base: str = "https://api.stripe.com"

    # Comma-separated in the environment: CORS_ALLOW_ORIGINS=https://a.example,https://b.example
    cors_allow_origins: tuple[str, ...] = ()
    # Request bodies above this many bytes are refused with 413 before any route runs.
    max_body_bytes: int = Field(default=1_048_576, ge=1_024, le=6_291_456)
    # Tokens: ES256, the signing key in Secrets Manager (created at first start locally).
    jwt_issuer: str = "software-factory"
    jwt_audience: str = "software-factory-api"
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    service_token_hours: int = Field(default=24, ge=1, le=24 * 30)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    # Argon2id for passwords: at least OWASP's floor (m=19 MiB, t=2, p=1). Unset, the memory
    # is sized to the function's (shared/identity/passwords.py); changing any of them
    # rehashes each password at its next sign-in.
    argon2_memory_kib: int | None = Field(default=None, ge=19_456, le=262_144)
    argon2_time_cost: int = Field(default=2, ge=2, le=10)
    argon2_parallelism: int = Field(default=1, ge=1, le=4)
    # Local first start: the admin account `make dev` creates (a random password, printed
    # once, unless one is given).
    local_admin_email: str = "admin@example.com"
    local_admin_password: SecretStr | None = None
    # Shared secret for `POST /auth/token` (seed 001): the value (local, tests), or the
    # Secrets Manager secret holding it (deployed). Neither: the route answers 503.
    admin_api_key: SecretStr | None = None
    admin_api_key_secret: str | None = None
    # How long a readiness verdict is reused inside one container (DescribeTable is throttled).
    readiness_cache_seconds: float = Field(default=5.0, ge=0)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the environment gives; names match in any case, as in a shell."""
        given = {key.upper(): value for key, value in (environ or os.environ).items()}
        return cls.model_validate(
            {name: given[name.upper()] for name in cls.model_fields if name.upper() in given}
        )

    @field_validator("cors_allow_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @property
    def is_local(self) -> bool:
        return self.app_env in ("local", "test")

    @property
    def generation_state_machine_arn(self) -> str:
        """Deployed: the ARN CDK passes in. Local and test: the emulator's, by its name."""
        if self.state_machine_arn:
            return self.state_machine_arn
        return (
            f"arn:aws:states:{self.aws_region}:{LOCAL_ACCOUNT_ID}:stateMachine:"
            f"{self.resource_prefix}-generation"
        )

    @property
    def workflows_state_machine_arn(self) -> str:
        """Deployed: the ARN CDK passes in. Local and test: the emulator's, by its name."""
        if self.workflows_machine_arn:
            return self.workflows_machine_arn
        return (
            f"arn:aws:states:{self.aws_region}:{LOCAL_ACCOUNT_ID}:stateMachine:"
            f"{self.resource_prefix}-workflows"
        )

    @property
    def schedule_group_name(self) -> str:
        """The product's EventBridge Scheduler group of one-time schedules."""
        return f"{self.resource_prefix}-schedules"

    @property
    def schedule_role_arn(self) -> str:
        """Deployed: the role CDK passes in. Local and test: a fixed one (moto checks none)."""
        if self.schedules_role_arn:
            return self.schedules_role_arn
        return f"arn:aws:iam::{LOCAL_ACCOUNT_ID}:role/{self.resource_prefix}-schedules"

    def function_arn(self, name: str) -> str:
        """A local function's ARN (the emulator routes it to the in-process handler)."""
        return (
            f"arn:aws:lambda:{self.aws_region}:{LOCAL_ACCOUNT_ID}:function:"
            f"{self.resource_prefix}-{name}"
        )

    @property
    def signing_key_secret(self) -> str:
        return f"{self.resource_prefix}/jwt-signing-key"

    def table_name(self, table_key: str) -> str:
        return TABLES_BY_KEY[table_key].physical_name(self.resource_prefix)

    @property
    def table_names(self) -> dict[str, str]:
        return {key: self.table_name(key) for key in TABLES_BY_KEY}


@cache
def get_settings() -> Settings:
    return Settings.from_environ()
