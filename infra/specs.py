"""What infra reads from a registry entry, whether it is a route group or a worker.

`functions.registry` has two kinds of function: `RouteGroup` (reached over HTTP) and
`WorkerFunction` (invoked by AWS: Step Functions, a schedule). Both carry the same fields
for what the function is, may touch and which dependency layers it gets, so one construct,
one packaging step and one set of grants serve both. This protocol names those fields;
either dataclass satisfies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from functions.registry import (
    BucketAccess,
    ChannelSecretAccess,
    ProviderKeyAccess,
    SshSecretAccess,
    TableAccess,
    VaultSecretAccess,
)


class FunctionSpec(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def handler(self) -> str: ...

    @property
    def package(self) -> str: ...

    @property
    def tables(self) -> Mapping[str, TableAccess]: ...

    @property
    def bucket(self) -> BucketAccess | None: ...

    @property
    def publishes_events(self) -> bool: ...

    @property
    def controls_executions(self) -> bool: ...

    @property
    def authenticates(self) -> bool: ...

    @property
    def signs_tokens(self) -> bool: ...

    @property
    def provider_keys(self) -> ProviderKeyAccess | None: ...

    @property
    def extra_layers(self) -> tuple[str, ...]: ...

    @property
    def memory_mb(self) -> int: ...

    @property
    def timeout_seconds(self) -> int: ...


def authenticates(spec: FunctionSpec) -> bool:
    """Verifies access tokens: reads the signing key secret. A signer verifies too."""
    return _flag(spec, "authenticates") or signs_tokens(spec)


def runs_workflows(spec: FunctionSpec) -> bool:
    """Starts, stops and describes runs of the workflows state machine (sockets never do)."""
    return getattr(spec, "runs_workflows", False) is True


def answers_workflow_tokens(spec: FunctionSpec) -> bool:
    """Answers the workflows state machine's task tokens (a step's task, approval, wait)."""
    return getattr(spec, "answers_workflow_tokens", False) is True


def signs_tokens(spec: FunctionSpec) -> bool:
    """Signs tokens: creates the signing key on first use, reads the admin key secret."""
    return _flag(spec, "signs_tokens")


def rotates_signing_key(spec: FunctionSpec) -> bool:
    """Secrets Manager's rotation function for the signing key (workers only)."""
    value = getattr(spec, "rotates_signing_key", False)
    if not isinstance(value, bool):
        raise TypeError(f"{spec.name}: rotates_signing_key must be a bool, not {value!r}")
    return value


def sends_to(spec: FunctionSpec) -> tuple[str, ...]:
    """The queues (shared.queues keys) the function may send to."""
    return _keys(spec, "sends_to")


def invokes(spec: FunctionSpec) -> tuple[str, ...]:
    """The functions (registry names) the function invokes synchronously."""
    return _keys(spec, "invokes")


def consumes(spec: FunctionSpec) -> tuple[str, ...]:
    """The queues whose event-source mappings invoke the function (workers only)."""
    return _keys(spec, "consumes")


def manages_schedules(spec: FunctionSpec) -> bool:
    """Creates, updates and deletes schedules in the product's group (one-time waits,
    schedule triggers)."""
    value = getattr(spec, "manages_schedules", False)
    if not isinstance(value, bool):
        raise TypeError(f"{spec.name}: manages_schedules must be a bool, not {value!r}")
    return value


def channel_secrets(spec: FunctionSpec) -> ChannelSecretAccess | None:
    """Notification channels' secrets: read (deliver) or manage (the channel routes)."""
    value = getattr(spec, "channel_secrets", None)
    if value not in (None, "read", "manage"):
        raise TypeError(f"{spec.name}: channel_secrets must be read, manage or None: {value!r}")
    return value  # type: ignore[no-any-return]


def ssh_secrets(spec: FunctionSpec) -> SshSecretAccess | None:
    """SSH connections' credentials: read (the runner connects) or manage (the routes)."""
    value = getattr(spec, "ssh_secrets", None)
    if value not in (None, "read", "manage"):
        raise TypeError(f"{spec.name}: ssh_secrets must be read, manage or None: {value!r}")
    return value  # type: ignore[no-any-return]


def vault_secrets(spec: FunctionSpec) -> VaultSecretAccess | None:
    """The secrets vault's values: read (use a secret by name) or manage (the routes)."""
    value = getattr(spec, "vault_secrets", None)
    if value not in (None, "read", "manage"):
        raise TypeError(f"{spec.name}: vault_secrets must be read, manage or None: {value!r}")
    return value  # type: ignore[no-any-return]


def checks_health(spec: FunctionSpec) -> bool:
    """Reads the state of the stack's queues and state machines (a health check)."""
    value = getattr(spec, "checks_health", False)
    if not isinstance(value, bool):
        raise TypeError(f"{spec.name}: checks_health must be a bool, not {value!r}")
    return value


def wipes_team_secrets(spec: FunctionSpec) -> bool:
    """Finds a team's secrets of every kind by name and deletes them (a team's wipe)."""
    value = getattr(spec, "wipes_team_secrets", False)
    if not isinstance(value, bool):
        raise TypeError(f"{spec.name}: wipes_team_secrets must be a bool, not {value!r}")
    return value


def sends_email(spec: FunctionSpec) -> bool:
    """Sends e-mail through Amazon SES (notification channels)."""
    value = getattr(spec, "sends_email", False)
    if not isinstance(value, bool):
        raise TypeError(f"{spec.name}: sends_email must be a bool, not {value!r}")
    return value


def _keys(spec: FunctionSpec, name: str) -> tuple[str, ...]:
    value = getattr(spec, name, ())
    if not isinstance(value, tuple) or not all(isinstance(key, str) for key in value):
        raise TypeError(f"{spec.name}: {name} must be a tuple of queue keys, not {value!r}")
    if len(set(value)) != len(value):
        raise ValueError(f"{spec.name}: {name} names a queue twice: {value}")
    return value


def _flag(spec: FunctionSpec, name: str) -> bool:
    value = getattr(spec, name)
    if not isinstance(value, bool):
        raise TypeError(f"{spec.name}: {name} must be a bool, not {value!r}")
    return value


# The dependency layers layers/build.py builds that infra names itself: every function gets
# core, and a function that verifies tokens gets tokens (pyjwt, cryptography). Others
# (`checks`) are asked for by name in the registry entry's `extra_layers`.
CORE_LAYER = "core"
TOKENS_LAYER = "tokens"


# The top-level modules each extra layer brings. A function without the layer must never
# import them (Lambda would fail), and where a library only probes for one (FastAPI looks
# for email_validator) the function must not pay for it: the cold-start test and the
# import benchmark hide these from a function that lacks the layer, as Lambda would.
LAYER_MODULES: dict[str, tuple[str, ...]] = {
    "tokens": ("jwt", "cryptography"),
    "checks": ("pytest", "_pytest", "yaml"),
    "accounts": ("argon2", "_argon2_cffi_bindings", "pyotp", "segno"),
}


def modules_absent_from(spec: FunctionSpec | None) -> tuple[str, ...]:
    """The extra layers' modules `spec`'s function does not have (all of them for None:
    a bare baseline)."""
    present = set(layers_for(spec)) if spec is not None else set()
    return tuple(
        module
        for layer, modules in LAYER_MODULES.items()
        if layer not in present
        for module in modules
    )


# Layers built to sit over others (layers/build.py's STACKED_ON, which the layer tests
# hold this to): such a layer lacks what its bases ship.
STACKED_ON: dict[str, tuple[str, ...]] = {
    "accounts": (TOKENS_LAYER,),
    "checks": ("yaml",),
    "connectors": (TOKENS_LAYER, "schemas", "yaml"),
    "ssh": (TOKENS_LAYER,),
}


def layers_for(spec: FunctionSpec) -> tuple[str, ...]:
    """The dependency layers `spec`'s function gets, in order, each once."""
    tokens = (TOKENS_LAYER,) if authenticates(spec) else ()
    layers = tuple(dict.fromkeys((CORE_LAYER, *tokens, *spec.extra_layers)))
    for position, layer in enumerate(layers):
        missing = [base for base in STACKED_ON.get(layer, ()) if base not in layers[:position]]
        if missing:
            raise ValueError(f"{spec.name}: layer {layer!r} needs {missing} below it")
    return layers
