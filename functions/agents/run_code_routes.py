"""POST /agents/run-code: run code in the sandbox, never in this process.

Any member may run code: it changes nothing of the team, and its model calls are charged
to the caller within the team's budgets, as the agents' test call is.
"""

from __future__ import annotations

from functions.agents.run_code_schemas import RunCodeRequest, RunCodeResult
from shared.app_factory import group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.errors import error_responses
from shared.sandbox.client import CodeRun, run_code

router = group_router(tags=["agents"], responses=error_responses(401, 403, 422))

_RUNS = error_responses(402, 413, 422, 503)
_RUNS[402]["description"] = (
    "Budget exceeded: a tools.llm call would go over a spending limit of the team or the "
    "caller (GET /costs/budget)"
)
_RUNS[413]["description"] = "The code is larger than 64 KiB"
_RUNS[422]["description"] = (
    "The code does not compile (the line is named), defines no run(), its input or result "
    "does not match its schema, it ran past its time or memory limit, raised (the line is "
    "named), returned something that is not JSON, or a tool it called failed"
)
_RUNS[503]["description"] = "The sandbox did not answer"


@router.post(
    "/agents/run-code",
    response_model=RunCodeResult,
    responses=_RUNS,
    summary="Run agent code in the sandbox (no network, CPU, memory and time limits)",
)
async def run_agent_code(body: RunCodeRequest, principal: CurrentPrincipal) -> CodeRun:
    return run_code(
        team_id=principal.team_id,
        actor=principal.subject,
        code=body.code,
        input_dict=body.input_dict,
        tools=[tool.model_dump(exclude_none=True) for tool in body.tools],
        input_schema=body.input_schema,
        output_schema=body.output_schema,
    )
