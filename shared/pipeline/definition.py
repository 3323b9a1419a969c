"""The one definition of the generation pipeline: its phases, in order.

CDK and the local runtime both build the state machine from this list
(``shared.pipeline.asl``); the jobs API lists phases and estimates from it. There is no
second copy of the sequence anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How Step Functions retries a phase's task after a transient error.

    A provider that did not answer in time (`ProviderTimedOut`) gets `timeout_retries`
    retries, not `max_attempts`: each attempt already waited the client's whole read
    timeout (MODEL_READ_TIMEOUT_SECONDS), where a 429 or 5xx answers at once. So a provider
    that never answers fails a phase after (1 + timeout_retries) attempts, each at most
    MODEL_CALL_SECONDS per provider tried (the agent's, then the team's fallback).
    """

    max_attempts: int = 3
    interval_seconds: int = 2
    backoff_rate: float = 2.0
    timeout_retries: int = 1


@dataclass(frozen=True, slots=True)
class Phase:
    name: str
    agent_role: str
    title: str
    # Whether a job may ask for a human approval after this phase.
    can_gate: bool = False
    # Whether the phase asks a model (tokens and cost are recorded), or only runs tools.
    uses_model: bool = True
    timeout_seconds: int = 300
    retry: RetryPolicy = RetryPolicy()
    # Rough size of the model exchange, for `POST /jobs/estimate` before history exists.
    expected_tokens_in: int = 0
    expected_tokens_out: int = 0
    expected_seconds: float = 1.0


PHASES: tuple[Phase, ...] = (
    Phase(
        "create",
        "product_manager",
        "Turn the idea into a project brief",
        expected_tokens_in=600,
        expected_tokens_out=500,
    ),
    Phase(
        "ba",
        "business_analyst",
        "Requirements: user stories and acceptance criteria",
        can_gate=True,
        expected_tokens_in=1_200,
        expected_tokens_out=1_500,
    ),
    Phase(
        "backend",
        "backend_engineer",
        "Backend design (skipped when backend is none)",
        can_gate=True,
        expected_tokens_in=2_000,
        expected_tokens_out=1_500,
    ),
    Phase(
        "architect",
        "architect",
        "Architecture and file plan",
        can_gate=True,
        expected_tokens_in=3_000,
        expected_tokens_out=2_000,
    ),
    Phase(
        "uiux",
        "designer",
        "Screens, navigation, palette",
        can_gate=True,
        expected_tokens_in=3_000,
        expected_tokens_out=1_500,
    ),
    Phase(
        "dev",
        "developer",
        "Write the code base",
        can_gate=True,
        timeout_seconds=600,
        expected_tokens_in=6_000,
        expected_tokens_out=12_000,
        expected_seconds=2.0,
    ),
    Phase(
        "qa",
        "qa_engineer",
        "Compile and run the generated checks and tests",
        uses_model=False,
        timeout_seconds=180,
        expected_seconds=3.0,
    ),
    Phase(
        "refactor",
        "developer",
        "Tidy the code base",
        expected_tokens_in=12_000,
        expected_tokens_out=2_000,
    ),
    Phase(
        "repair",
        "developer",
        "Fix what qa found",
        expected_tokens_in=12_000,
        expected_tokens_out=3_000,
    ),
    Phase(
        "runtime",
        "qa_engineer",
        "Start the project and exercise its routes",
        uses_model=False,
        timeout_seconds=180,
        expected_seconds=2.0,
    ),
    Phase(
        "security",
        "security_engineer",
        "Scan for secrets and dangerous calls",
        can_gate=True,
        uses_model=False,
    ),
    Phase(
        "reviewer",
        "reviewer",
        "Review report",
        can_gate=True,
        expected_tokens_in=8_000,
        expected_tokens_out=2_000,
    ),
    Phase("export", "release_manager", "Zip the code base to S3", uses_model=False),
)

# The longest one model call waits: connecting (5 s) and the answer (the read timeout of
# shared.llm.providers' clients, DEFAULT_READ_TIMEOUT; a long completion sends nothing until
# it is done). A phase's timeout_seconds must hold two of them (its agent's provider, then
# the team's fallback); tests/integration/test_state_machine.py holds that.
MODEL_READ_TIMEOUT_SECONDS = 120
MODEL_CALL_SECONDS = 5 + MODEL_READ_TIMEOUT_SECONDS

PHASE_NAMES: tuple[str, ...] = tuple(phase.name for phase in PHASES)
PHASES_BY_NAME: dict[str, Phase] = {phase.name: phase for phase in PHASES}
GATEABLE_PHASES: tuple[str, ...] = tuple(phase.name for phase in PHASES if phase.can_gate)
DEFAULT_MAX_REPAIR_ATTEMPTS = 3
# How long a job may wait for a human at one gate before it fails.
APPROVAL_TIMEOUT_SECONDS = 7 * 24 * 3600
# The whole execution: phases plus every gate's wait.
EXECUTION_TIMEOUT_SECONDS = 30 * 24 * 3600
