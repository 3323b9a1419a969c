"""The code agents' routes' service: generate-code through the router
(shared.agents.generate_code) and deployments (shared.deployments.service), in the API's
shapes."""

from __future__ import annotations

from functions.agents.code_agent_schemas import (
    DeploymentChange,
    DeploymentCreated,
    DeploymentPublic,
    DeploymentWithUsage,
    DeployRequest,
    GenerateCodeRequest,
    GenerateCodeResponse,
)
from shared.deployments import service as deployments
from shared.deployments.domain import Deployment
from shared.pagination import PageParams


def generate_code(team_id: str, user_id: str, body: GenerateCodeRequest) -> GenerateCodeResponse:
    from shared.agents.generate_code import CodeRequest, generate_agent

    tools = [tool.model_dump(exclude_none=True) for tool in body.tools]
    models = [model.model_dump(exclude_none=True) for model in body.invokable_models]
    composer = body.composer
    parameters = (
        {}
        if composer is None or composer.parameters is None
        else composer.parameters.model_dump(exclude_none=True)
    )
    generated = generate_agent(
        team_id,
        user_id,
        CodeRequest(
            description=body.description,
            tools=tools,
            input_schema=body.input_schema,
            output_schema=body.output_schema,
            invokable_models=models,
            swagger_specs=body.swagger_specs,
        ),
        provider=None if composer is None else composer.provider,
        model=None if composer is None else composer.model,
        parameters=parameters,
    )
    return GenerateCodeResponse(
        code=generated.code,
        friendly_name=generated.friendly_name,
        docstring=generated.docstring,
        input_schema=generated.input_schema,
        output_schema=generated.output_schema,
        tools=tools,
        invokable_models=models,
        thoughts=generated.thoughts,
        provider=generated.provider,
        model=generated.model,
        tokens=generated.tokens,
        cost_usd=generated.cost_usd,
    )


def _public(deployment: Deployment) -> dict[str, object]:
    return {
        "friendly_name": deployment.friendly_name,
        "agent_id": deployment.agent_id,
        "url": deployment.url,
        "openapi_url": f"{deployment.url}/openapi.json",
        "public": deployment.public,
        "monthly_quota": deployment.monthly_quota,
        "rate_limit_per_minute": deployment.rate_limit_per_minute,
        "key_prefix": deployment.key_prefix,
        "created_at": deployment.created_at,
        "created_by": deployment.created_by,
        "price_usd": deployment.price_cents / 100,
    }


def deploy(
    team_id: str, agent_id: str, actor: str, origin: str, body: DeployRequest
) -> DeploymentCreated:
    deployed = deployments.deploy(
        team_id,
        agent_id,
        actor,
        origin,
        deployments.DeploySettings(
            friendly_name=body.friendly_name,
            public=body.public,
            monthly_quota=body.monthly_quota,
            rate_limit_per_minute=body.rate_limit_per_minute,
            price_cents=round(body.price_usd * 100),
        ),
    )
    return DeploymentCreated.model_validate(
        _public(deployed.deployment) | {"api_key": deployed.api_key}
    )


def undeploy(team_id: str, agent_id: str) -> None:
    deployments.undeploy(team_id, agent_id)


def get_deployment(team_id: str, agent_id: str) -> DeploymentWithUsage:
    deployment, calls = deployments.get_deployment(team_id, agent_id)
    return DeploymentWithUsage.model_validate(_public(deployment) | {"calls_this_month": calls})


def change_price(team_id: str, agent_id: str, body: DeploymentChange) -> DeploymentWithUsage:
    deployments.change_price(team_id, agent_id, round(body.price_usd * 100))
    return get_deployment(team_id, agent_id)


def list_deployments(
    team_id: str, params: PageParams
) -> tuple[list[DeploymentPublic], int, str | None]:
    items, total, cursor = deployments.list_deployments(team_id, params)
    return [DeploymentPublic.model_validate(_public(d)) for d in items], total, cursor
