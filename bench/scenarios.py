"""(b) Warm-path scenarios, as data: one request, sent again and again to one handler.

To benchmark another route, append a ``Scenario``. A route that needs state (a signed-in
user, a seeded table) names a ``setup`` callable, ``"module:function"``, which the worker
calls once before the warm-up; it may start emulated AWS, seed data, and return headers
(an ``authorization`` header, say) to add to every request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.common import B0_MODULE, B0_PATH

B0_HELLO = "B0 GET /hello"


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    handler: str  # "package.module.attribute", as in the registry
    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    expect_status: int = 200
    setup: str | None = None
    # Targets. None means the figure is reported without a limit.
    baseline: str | None = B0_HELLO  # the scenario whose p50 this one's p50 is divided by
    max_p50_vs_baseline: float | None = None
    max_p99_vs_own_p50: float | None = None


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(B0_HELLO, f"{B0_MODULE}.handler", "GET", B0_PATH, baseline=None),
    Scenario(
        "health GET /api/v1/health",
        "functions.health.handler.handler",
        "GET",
        "/api/v1/health",
        max_p50_vs_baseline=1.5,
        max_p99_vs_own_p50=5.0,
    ),
    # The JWT check and the key lookup are cached per container: no Secrets Manager call.
    Scenario(
        "auth GET /api/v1/auth/me (signed in)",
        "functions.auth.handler.handler",
        "GET",
        "/api/v1/auth/me",
        setup="bench.setups:signed_in_admin",
        max_p50_vs_baseline=1.5,
        max_p99_vs_own_p50=5.0,
    ),
)

SCENARIOS_BY_NAME: dict[str, Scenario] = {scenario.name: scenario for scenario in SCENARIOS}
