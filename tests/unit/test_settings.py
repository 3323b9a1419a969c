from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.settings import Settings


def test_cors_origins_are_read_as_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", " https://a.example.com,https://b.example.com ,")

    assert Settings.from_environ().cors_allow_origins == (
        "https://a.example.com",
        "https://b.example.com",
    )


def test_table_names_follow_the_resource_prefix() -> None:
    settings = Settings(resource_prefix="factory-prod")

    assert settings.table_name("jobs") == "factory-prod-jobs"
    assert settings.table_names["idempotency"] == "factory-prod-idempotency"


@pytest.mark.parametrize("value", ["100", "7000000"])
def test_body_cap_out_of_bounds_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("MAX_BODY_BYTES", value)

    with pytest.raises(ValidationError):
        Settings.from_environ()


def test_unknown_app_env_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "staging")

    with pytest.raises(ValidationError):
        Settings.from_environ()
