"""The token secrets: both exist with the names the code reads, prod keeps them, and only
the functions whose registry entry authenticates or signs tokens may touch them."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from functions.registry import APPROVALS, AUTH, HEALTH, JOBS, WORKERS
from infra.constructs.functions import ADMIN_API_KEY_SECRET_VARIABLE
from infra.grants import (
    MANAGE_CHANNEL_SECRET_ACTIONS,
    MANAGE_PROVIDER_KEY_ACTIONS,
    MANAGE_SSH_SECRET_ACTIONS,
    MANAGE_VAULT_SECRET_ACTIONS,
    READ_CHANNEL_SECRET_ACTIONS,
    READ_PROVIDER_KEY_ACTIONS,
    READ_SSH_SECRET_ACTIONS,
    READ_VAULT_SECRET_ACTIONS,
    SEND_EMAIL_ACTIONS,
    channel_secrets_arn,
    email_identities_arn,
    provider_keys_arn,
    ssh_secrets_arn,
    vault_secrets_arn,
)
from infra.specs import (
    authenticates,
    channel_secrets,
    rotates_signing_key,
    sends_email,
    signs_tokens,
    ssh_secrets,
    vault_secrets,
    wipes_team_secrets,
)
from shared.auth.signing import PLACEHOLDER
from shared.settings import Settings
from tests.infra.assembly import FUNCTION_SPECS, Resource, Synthesized, as_list, ref

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]

READ = {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
# What CDK's rotation schedule grants the rotation function, on the signing key only.
ROTATE = {*READ, "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"}


def signing_key(synth: Synthesized) -> Resource:
    return synth.resource(synth.stack.secrets.signing_key)


def admin_api_key(synth: Synthesized) -> Resource:
    return synth.resource(synth.stack.secrets.admin_api_key)


def secret_refs(synth: Synthesized) -> tuple[dict[str, str], dict[str, str]]:
    """(signing key, admin key) as a role policy or an environment names them (full ARN)."""
    secrets = synth.stack.secrets
    return ref(synth.logical_id(secrets.signing_key)), ref(synth.logical_id(secrets.admin_api_key))


def secret_grants(synth: Synthesized, name: str) -> dict[str, list[Any]]:
    """The function's secretsmanager actions -> the resources each is granted on."""
    granted = synth.granted(synth.stack.functions[name].role)
    return {action: res for action, res in granted.items() if action.startswith("secretsmanager:")}


def environment(synth: Synthesized, name: str) -> dict[str, Any]:
    function = synth.resource(synth.stack.functions[name].function)
    variables: dict[str, Any] = function["Properties"]["Environment"]["Variables"]
    return variables


def every_statement(synth: Synthesized) -> list[tuple[str, dict[str, Any]]]:
    """(logical id of the policy or role, statement) for every IAM statement in the stack."""
    found = [
        (logical_id, statement)
        for logical_id, policy in synth.resources("AWS::IAM::Policy").items()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    found += [
        (logical_id, statement)
        for logical_id, role in synth.resources("AWS::IAM::Role").items()
        for policy in role["Properties"].get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
    ]
    return found


def test_exactly_the_two_secrets_with_the_names_the_code_reads(synthesized: Synthesized) -> None:
    prefix = f"factory-{synthesized.stage}"
    names = sorted(
        secret["Properties"]["Name"]
        for secret in synthesized.resources("AWS::SecretsManager::Secret").values()
    )
    assert names == [f"{prefix}/admin-api-key", f"{prefix}/jwt-signing-key"]
    assert signing_key(synthesized)["Properties"]["Name"] == f"{prefix}/jwt-signing-key"
    assert admin_api_key(synthesized)["Properties"]["Name"] == f"{prefix}/admin-api-key"
    # shared.settings finds the signing key by name from RESOURCE_PREFIX alone.
    assert Settings(resource_prefix=prefix).signing_key_secret == f"{prefix}/jwt-signing-key"


def test_signing_key_starts_as_the_placeholder_the_signer_replaces(
    synthesized: Synthesized,
) -> None:
    props = signing_key(synthesized)["Properties"]
    # Exactly the signer's placeholder: it compares the secret's text with it.
    assert props["SecretString"] == PLACEHOLDER
    assert json.loads(props["SecretString"]) == {"uninitialized": True}
    # No key material in the template, and no value generated over the placeholder.
    assert "GenerateSecretString" not in props
    assert "private_key_pem" not in props["SecretString"]


def test_admin_key_is_generated_by_secrets_manager(synthesized: Synthesized) -> None:
    props = admin_api_key(synthesized)["Properties"]
    assert "SecretString" not in props
    generate = props["GenerateSecretString"]
    assert generate["PasswordLength"] == 40
    assert generate["ExcludePunctuation"] is True
    assert generate.get("IncludeSpace", False) is False
    # A plain string, not a JSON document: no template, no key.
    assert "SecretStringTemplate" not in generate
    assert "GenerateStringKey" not in generate


def test_secrets_are_encrypted_with_the_aws_managed_key(synthesized: Synthesized) -> None:
    """No KmsKeyId: Secrets Manager encrypts with aws/secretsmanager, so no key grant or key
    policy is needed; a customer key would have to be granted to every reader."""
    for secret in (signing_key(synthesized), admin_api_key(synthesized)):
        assert "KmsKeyId" not in secret["Properties"]


def test_prod_retains_both_secrets_and_dev_deletes_them(synthesized: Synthesized) -> None:
    expected = "Retain" if synthesized.stage == "prod" else "Delete"
    for secret in (signing_key(synthesized), admin_api_key(synthesized)):
        assert secret["DeletionPolicy"] == expected
        assert secret["UpdateReplacePolicy"] == expected


def test_health_has_no_secret_access(synthesized: Synthesized) -> None:
    assert not HEALTH.authenticates
    assert secret_grants(synthesized, HEALTH.name) == {}
    assert "ADMIN_API_KEY_SECRET" not in environment(synthesized, HEALTH.name)


@pytest.mark.parametrize("spec", [JOBS, APPROVALS], ids=lambda spec: spec.name)
def test_verifiers_may_only_read_and_describe_the_signing_key(
    synthesized: Synthesized, spec: Any
) -> None:
    signing, _ = secret_refs(synthesized)
    assert secret_grants(synthesized, spec.name) == {action: [signing] for action in READ}
    assert "ADMIN_API_KEY_SECRET" not in environment(synthesized, spec.name)


def test_the_signer_may_also_create_the_key_and_read_the_admin_key(
    synthesized: Synthesized,
) -> None:
    signing, admin = secret_refs(synthesized)
    granted = secret_grants(synthesized, AUTH.name)
    assert set(granted) == READ | {"secretsmanager:PutSecretValue"}
    assert granted["secretsmanager:DescribeSecret"] == [signing]
    assert granted["secretsmanager:PutSecretValue"] == [signing]
    assert sorted(map(str, granted["secretsmanager:GetSecretValue"])) == sorted(
        map(str, [signing, admin])
    )
    assert environment(synthesized, AUTH.name)["ADMIN_API_KEY_SECRET"] == admin


def test_secret_grants_follow_every_registry_entry(synthesized: Synthesized) -> None:
    """Read off the registry's own flags (workers default to neither: no token, no grant)."""
    signing, admin = secret_refs(synthesized)
    for spec in FUNCTION_SPECS:
        expected: dict[str, list[Any]] = {}
        if spec.authenticates or spec.signs_tokens:
            expected = {action: [signing] for action in READ}
        if spec.signs_tokens:
            expected["secretsmanager:GetSecretValue"].append(admin)
            expected["secretsmanager:PutSecretValue"] = [signing]
        if rotates_signing_key(spec):
            expected = {action: [signing] for action in ROTATE}
            expected["secretsmanager:GetRandomPassword"] = ["*"]
        wanted: tuple[str, ...]
        if spec.provider_keys is not None:
            wanted = READ_PROVIDER_KEY_ACTIONS
            if spec.provider_keys == "manage":
                wanted = MANAGE_PROVIDER_KEY_ACTIONS
            for action in wanted:
                expected.setdefault(action, []).append(provider_keys(synthesized))
        if (access := channel_secrets(spec)) is not None:
            wanted = READ_CHANNEL_SECRET_ACTIONS
            if access == "manage":
                wanted = MANAGE_CHANNEL_SECRET_ACTIONS
            for action in wanted:
                expected.setdefault(action, []).append(channel_secret_arns(synthesized))
        if (ssh := ssh_secrets(spec)) is not None:
            wanted = READ_SSH_SECRET_ACTIONS if ssh == "read" else MANAGE_SSH_SECRET_ACTIONS
            for action in wanted:
                expected.setdefault(action, []).append(ssh_secret_arns(synthesized))
        if (vault := vault_secrets(spec)) is not None:
            wanted = READ_VAULT_SECRET_ACTIONS if vault == "read" else MANAGE_VAULT_SECRET_ACTIONS
            for action in wanted:
                expected.setdefault(action, []).append(vault_secret_arns(synthesized))
        if wipes_team_secrets(spec):
            # Found by name (ListSecrets: "*" only) and deleted, every kind's path.
            expected.setdefault("secretsmanager:ListSecrets", []).append("*")
            expected.setdefault("secretsmanager:DeleteSecret", []).extend(
                [
                    provider_keys(synthesized),
                    channel_secret_arns(synthesized),
                    ssh_secret_arns(synthesized),
                    vault_secret_arns(synthesized),
                ]
            )
        granted = secret_grants(synthesized, spec.name)
        assert {a: sorted(map(str, r)) for a, r in granted.items()} == {
            a: sorted(map(str, r)) for a, r in expected.items()
        }, spec.name
        signs = spec.signs_tokens
        assert ("ADMIN_API_KEY_SECRET" in environment(synthesized, spec.name)) is signs, spec.name


def test_no_policy_reaches_any_other_secret_or_a_wildcard(synthesized: Synthesized) -> None:
    """Every secretsmanager statement in the stack names one of the two secrets, and only
    the roles of functions that authenticate (or rotate the key) hold one. The one "*" is
    GetRandomPassword, which CDK gives a rotation function and names no secret."""
    signing, admin = secret_refs(synthesized)
    holders = set()
    for logical_id, statement in every_statement(synthesized):
        actions = as_list(statement["Action"])
        if not any(action.startswith("secretsmanager:") for action in actions):
            continue
        assert "secretsmanager:*" not in actions, logical_id
        if as_list(statement["Resource"]) == ["*"]:
            # GetRandomPassword (rotation), or ListSecrets (a team's wipe finds its secrets
            # by name): neither names a secret or reads one.
            assert [a for a in actions if a.startswith("secretsmanager:")] in (
                ["secretsmanager:GetRandomPassword"],
                ["secretsmanager:ListSecrets"],
            ), logical_id
            continue
        for resource in as_list(statement["Resource"]):
            if resource == provider_keys(synthesized):
                continue  # teams' provider keys: the one name prefix, checked below
            if resource == channel_secret_arns(synthesized):
                continue  # notification channels' secrets: their one name prefix, below
            if resource == ssh_secret_arns(synthesized):
                continue  # SSH connections' credentials: their one name prefix, below
            if resource == vault_secret_arns(synthesized):
                continue  # the secrets vault's values: their one name prefix, below
            assert resource in (signing, admin), (logical_id, resource)
            assert "*" not in json.dumps(resource), (logical_id, resource)
        holders.add(logical_id)
    stack = synthesized.stack
    expected = {
        synthesized.logical_id(stack.functions[spec.name].role.node.find_child("DefaultPolicy"))
        for spec in FUNCTION_SPECS
        if spec.authenticates
        or spec.signs_tokens
        or rotates_signing_key(spec)
        or spec.provider_keys is not None
        or channel_secrets(spec) is not None
        or ssh_secrets(spec) is not None
        or vault_secrets(spec) is not None
        or wipes_team_secrets(spec)
    }
    assert holders == expected
    assert expected  # the registry has verifiers: the scan above found real statements


def provider_keys(synthesized: Synthesized) -> Any:
    """The teams' provider keys ARN as the template writes it."""
    stack = synthesized.stack
    return stack.resolve(provider_keys_arn(stack, stack.config.prefix))


def test_provider_keys_are_granted_on_the_teams_prefix_of_this_stage_only(
    synthesized: Synthesized,
) -> None:
    arn = json.dumps(provider_keys(synthesized))

    assert f":secret:factory-{synthesized.stage}/teams/*" in arn
    assert any(spec.provider_keys for spec in FUNCTION_SPECS)


def channel_secret_arns(synthesized: Synthesized) -> Any:
    """The notification channels' secrets ARN as the template writes it."""
    stack = synthesized.stack
    return stack.resolve(channel_secrets_arn(stack, stack.config.prefix))


def test_channel_secrets_are_granted_on_their_own_prefix_only(synthesized: Synthesized) -> None:
    """Managed by the notifications routes, read by the delivery worker, and on
    `<prefix>/channels/*` alone: neither reaches the providers' keys nor they the channels'."""
    arn = json.dumps(channel_secret_arns(synthesized))
    assert f":secret:factory-{synthesized.stage}/channels/*" in arn

    names = ("notifications", "notification_delivery")
    granted = {name: secret_grants(synthesized, name) for name in names}
    # (It also reads the vault's values a channel uses by name: checked below.)
    on_channels = {
        action: [r for r in resources if r == channel_secret_arns(synthesized)]
        for action, resources in granted["notification_delivery"].items()
    }
    assert {a: r for a, r in on_channels.items() if r} == {
        "secretsmanager:GetSecretValue": [channel_secret_arns(synthesized)]
    }
    managed = {a: r for a, r in granted["notifications"].items() if a not in READ}
    assert set(managed) == set(MANAGE_CHANNEL_SECRET_ACTIONS) - READ
    for resources in managed.values():
        assert resources == [channel_secret_arns(synthesized)]
    for spec in FUNCTION_SPECS:
        if spec.provider_keys is not None and channel_secrets(spec) is None:
            grants = secret_grants(synthesized, spec.name).values()
            assert all(channel_secret_arns(synthesized) not in r for r in grants), spec.name


def ssh_secret_arns(synthesized: Synthesized) -> Any:
    """The SSH connections' secrets ARN as the template writes it."""
    stack = synthesized.stack
    return stack.resolve(ssh_secrets_arn(stack, stack.config.prefix))


def test_ssh_secrets_are_granted_on_their_own_prefix_only(synthesized: Synthesized) -> None:
    """Managed by the ssh routes, read by the SSH runner alone, and on `<prefix>/ssh/*`
    only: no other function reaches the credentials of a team's machines."""
    arn = json.dumps(ssh_secret_arns(synthesized))
    assert f":secret:factory-{synthesized.stage}/ssh/*" in arn

    assert secret_grants(synthesized, "ssh_runner") == {
        "secretsmanager:GetSecretValue": [ssh_secret_arns(synthesized)]
    }
    managed = {a: r for a, r in secret_grants(synthesized, "ssh").items() if a not in READ}
    assert set(managed) == set(MANAGE_SSH_SECRET_ACTIONS) - READ
    for resources in managed.values():
        assert resources == [ssh_secret_arns(synthesized)]
    for spec in FUNCTION_SPECS:
        if spec.name not in ("ssh", "ssh_runner"):
            grants = secret_grants(synthesized, spec.name)
            reaching = [a for a, r in grants.items() if ssh_secret_arns(synthesized) in r]
            # A team's wipe may delete them, nothing more.
            allowed = ["secretsmanager:DeleteSecret"] if wipes_team_secrets(spec) else []
            assert reaching == allowed, spec.name


def vault_secret_arns(synthesized: Synthesized) -> Any:
    """The secrets vault's values ARN as the template writes it."""
    stack = synthesized.stack
    return stack.resolve(vault_secrets_arn(stack, stack.config.prefix))


# The functions that send a value where it is used by name (`{{secrets.NAME}}`).
VAULT_READERS = {"notifications", "notification_delivery", "connector_runner", "triggers"}
VAULT_READERS |= {"trigger_runner"}
# A seller's Stripe key (a vault secret it names): read by the worker that calls Stripe.
VAULT_READERS |= {"stripe_caller"}


def test_vault_secrets_are_granted_on_their_own_prefix_only(synthesized: Synthesized) -> None:
    """Managed by the secrets routes; read only by the functions that use a secret by name
    (a channel's delivery and test, the connector runner, trigger actions, the Stripe
    caller); on
    `<prefix>/vault/*` alone."""
    arn = json.dumps(vault_secret_arns(synthesized))
    assert f":secret:factory-{synthesized.stage}/vault/*" in arn

    managed = {a: r for a, r in secret_grants(synthesized, "secrets").items() if a not in READ}
    assert set(managed) == set(MANAGE_VAULT_SECRET_ACTIONS) - READ
    for resources in managed.values():
        assert resources == [vault_secret_arns(synthesized)]
    readers = {spec.name for spec in FUNCTION_SPECS if vault_secrets(spec) == "read"}
    assert readers == VAULT_READERS
    for spec in FUNCTION_SPECS:
        grants = secret_grants(synthesized, spec.name)
        reaching = [a for a, r in grants.items() if vault_secret_arns(synthesized) in r]
        if wipes_team_secrets(spec):  # a team's wipe deletes them, nothing more
            assert reaching == ["secretsmanager:DeleteSecret"], spec.name
            continue
        assert bool(reaching) == (spec.name in VAULT_READERS | {"secrets"}), spec.name
        if spec.name in VAULT_READERS:
            assert vault_secret_arns(synthesized) in grants["secretsmanager:GetSecretValue"]
            writes = [a for a, r in grants.items() if vault_secret_arns(synthesized) in r]
            assert writes == ["secretsmanager:GetSecretValue"], spec.name


def test_only_the_functions_that_send_email_may_and_only_ses_send_email(
    synthesized: Synthesized,
) -> None:
    stack = synthesized.stack
    identities = stack.resolve(email_identities_arn(stack))
    for spec in FUNCTION_SPECS:
        granted = synthesized.granted(stack.functions[spec.name].role)
        ses = {action: r for action, r in granted.items() if action.startswith("ses:")}
        if sends_email(spec):
            assert ses == {action: [identities] for action in SEND_EMAIL_ACTIONS}, spec.name
        else:
            assert ses == {}, spec.name
    assert {spec.name for spec in FUNCTION_SPECS if sends_email(spec)} == {
        "notifications",
        "notification_delivery",
        # A subscription's confirmation (double opt-in), to the address it names.
        "marketing",
    }


def test_token_flags_for_workers_and_signers() -> None:
    """Workers default to neither token flag; a signer always verifies."""
    for worker in WORKERS:
        assert not authenticates(worker)
        assert not signs_tokens(worker)
    assert authenticates(replace(WORKERS[0], authenticates=True))
    assert authenticates(replace(WORKERS[0], signs_tokens=True))
    assert authenticates(replace(HEALTH, signs_tokens=True))
    assert not authenticates(HEALTH)
    assert authenticates(JOBS)
    assert not signs_tokens(JOBS)
    assert signs_tokens(AUTH)
    with pytest.raises(TypeError, match="authenticates must be a bool"):
        authenticates(replace(JOBS, authenticates="yes"))  # type: ignore[arg-type]


def test_the_variable_is_the_one_settings_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """ADMIN_API_KEY_SECRET (infra) is what shared.settings' `admin_api_key_secret` reads."""
    monkeypatch.setenv(ADMIN_API_KEY_SECRET_VARIABLE, "arn:aws:secretsmanager:r:1:secret:x")
    monkeypatch.delenv("ADMIN_API_KEY", raising=False)
    settings = Settings.from_environ()
    assert settings.admin_api_key_secret == "arn:aws:secretsmanager:r:1:secret:x"
    assert settings.admin_api_key is None
