"""Installing a template in a team: its agents, workflows (with their steps) and triggers,
each made by its own area's service exactly as its route would (shared.agents.service,
shared.workflows.service, shared.triggers.service), once.

Once per team and template, however often asked and however an earlier attempt ended:
- the install record (shared.marketplace.store) is created by a put conditioned on its
  key being free, and holds a lease while a request makes objects: a second request in
  that time is 409, one after the lease lapsed (its holder failed or was cut off) takes
  it over;
- each object's id is recorded as soon as its service answers, before the next is made,
  so a resumed install makes only what is missing; a workflow's steps are added by name,
  which a workflow holds once, so a workflow is completed, never duplicated. A request cut
  off between a service's write and the record's keeps one object unrecorded: the resumed
  install makes it again (the services make their own ids);
- asked again once installed, it answers the same ids and makes nothing.

Before anything is made, everything is checked with the parameters given (the request
shapes, schedules, event patterns and placeholders): a template the parameters break is
422 with nothing stored, not a half-made install.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Final

from pydantic import TypeAdapter, ValidationError

from shared.db.versioned import LostRace
from shared.errors import Conflict, NotFound, Unprocessable
from shared.ids import utcnow
from shared.marketplace import catalog, store
from shared.marketplace.domain import Install, Template, TriggerSpec, WorkflowSpec
from shared.marketplace.render import render, resolve_parameters

# Longer than a request may run (the group's 29 s): a live lease is a request at work.
LEASE: Final = timedelta(seconds=60)
# The ids a dry run fills references with: a shape a reference must take, nothing stored.
_PLACEHOLDER_ID: Final = "01JF3Z00000000000000000000"


def install(
    team_id: str, user_id: str, template_id: str, given: dict[str, str]
) -> tuple[Install, bool]:
    """The team's install of the template and whether this request completed it (201)
    rather than finding it done (200)."""
    template = catalog.get_template(template_id)
    parameters = resolve_parameters(template, given)
    current = store.get_install(team_id, template_id)
    if current is not None and current.status == "installed":
        return _same_parameters(current, parameters), False
    _check(template, team_id, parameters)
    now = utcnow()
    leased = _take_lease(team_id, user_id, template, parameters, current, now)
    if leased.status == "installed":
        return leased, False
    try:
        done = _make_objects(template, leased, user_id)
    except Exception:
        _release(leased)
        raise
    finished = replace(done, status="installed", installed_at=utcnow(), lease_until=None)
    try:
        return store.save_install(finished), True
    except LostRace:
        raise Conflict("the install was taken over by another request; try again") from None


def get_install(team_id: str, template_id: str) -> Install | None:
    catalog.get_template(template_id)
    return store.get_install(team_id, template_id)


def _same_parameters(install: Install, parameters: dict[str, str]) -> Install:
    if install.parameters != parameters:
        raise Conflict(
            f"template {install.template_id} is installed already with other parameters "
            f"({install.parameters}); installing is once per team"
        )
    return install


def _take_lease(
    team_id: str,
    user_id: str,
    template: Template,
    parameters: dict[str, str],
    current: Install | None,
    now: datetime,
) -> Install:
    """The install with this request's lease on it: new, or taken over from a lapsed one."""
    if current is None:
        fresh = Install(
            team_id=team_id,
            template_id=template.id,
            status="installing",
            parameters=parameters,
            installed_by=user_id,
            lease_until=now + LEASE,
        )
        try:
            return store.create_install(fresh)
        except Conflict:
            current = store.get_install(team_id, template.id)
            if current is None:  # created and deleted since: nothing deletes installs
                raise
            if current.status == "installed":
                return _same_parameters(current, parameters)
    if current.lease_until is not None and current.lease_until > now:
        raise Conflict(f"template {template.id} is being installed by another request; retry")
    if current.parameters != parameters:
        if any(current.created.values()):
            _same_parameters(current, parameters)  # raises: objects were made with those
        current = replace(current, parameters=parameters)
    try:
        return store.save_install(replace(current, lease_until=now + LEASE))
    except LostRace:
        raise Conflict(
            f"template {template.id} is being installed by another request; retry"
        ) from None


def _release(install: Install) -> None:
    """Give the lease up after a failure, so the caller's retry resumes at once."""
    latest = store.get_install(install.team_id, install.template_id)
    if latest is None or latest.status == "installed":
        return
    # Another request may hold it now: its lease stands, and a lapsed one lapses anyway.
    with suppress(LostRace, Conflict):
        store.save_install(replace(latest, lease_until=None))


def _note_made(install: Install, kind: str, key: str, object_id: str) -> Install:
    created = {name: dict(ids) for name, ids in install.created.items()}
    created.setdefault(kind, {})[key] = object_id
    try:
        return store.save_install(replace(install, created=created))
    except LostRace:
        raise Conflict("the install was taken over by another request; try again") from None


def _ids(install: Install) -> dict[str, dict[str, str]]:
    return {
        "agent": dict(install.created.get("agents", {})),
        "workflow": dict(install.created.get("workflows", {})),
    }


def _make_objects(template: Template, install: Install, user_id: str) -> Install:
    from shared.agents import service as agents

    for spec in template.agents:
        if install.made("agents", spec.key) is None:
            agent = agents.create_agent(install.team_id, _agent_request(spec, install.parameters))
            install = _note_made(install, "agents", spec.key, agent.id)
    for workflow in template.workflows:
        install = _make_workflow(workflow, install, user_id)
    for trigger in template.triggers:
        if install.made("triggers", trigger.key) is None:
            made = _make_trigger(trigger, install, user_id)
            install = _note_made(install, "triggers", trigger.key, made)
    return install


def _make_workflow(spec: WorkflowSpec, install: Install, user_id: str) -> Install:
    from shared.workflows import service as workflows

    workflow_id = install.made("workflows", spec.key)
    if workflow_id is None:
        request = _workflow_request(spec, install.parameters)
        workflow_id = workflows.create_workflow(install.team_id, user_id, request).id
        install = _note_made(install, "workflows", spec.key, workflow_id)
    try:
        workflow = workflows.get_workflow(install.team_id, workflow_id)
    except NotFound:
        # Deleted by the team while the install was unfinished: its steps have no home.
        raise Conflict(
            f"workflow {workflow_id} of this install was deleted before the install finished"
        ) from None
    existing = {step.name for step in workflow.steps}
    for step in _step_requests(spec, install.parameters, _ids(install)):
        if step.name not in existing:
            workflows.add_step(install.team_id, workflow_id, step)
    return install


def _make_trigger(spec: TriggerSpec, install: Install, user_id: str) -> str:
    from shared.triggers import service as triggers

    kind, config, action = _trigger_parts(spec, install.parameters, _ids(install))
    trigger = triggers.create_trigger(
        install.team_id,
        user_id,
        name=_text(render(spec.name, install.parameters, {}), 200),
        kind=kind,
        config=config,
        action=action,
        overlap=spec.overlap,
        enabled=spec.enabled,
        failure_limit=5,
    )
    return trigger.id


# The requests each service takes, from the template and the parameters.


def _text(value: Any, length: int) -> str:
    return str(value)[:length]


def _agent_request(spec: Any, parameters: dict[str, str]) -> Any:
    from shared.agents.schemas import AgentCreate
    from shared.llm.providers.templates import KIND, MODEL

    body = render(spec.model_dump(exclude={"key"}), parameters, {})
    return _validated(AgentCreate, {**body, "llm_provider": KIND, "llm_model": MODEL}, spec.key)


def _workflow_request(spec: WorkflowSpec, parameters: dict[str, str]) -> Any:
    from shared.workflows.requests import WorkflowCreate

    body = render({"name": spec.name, "description": spec.description}, parameters, {})
    return _validated(WorkflowCreate, body, spec.key)


def _step_requests(
    spec: WorkflowSpec, parameters: dict[str, str], ids: dict[str, dict[str, str]]
) -> list[Any]:
    from shared.workflows.requests import StepCreate

    return [
        _validated(StepCreate, render(step, parameters, ids), f"{spec.key}.{step.get('name')}")
        for step in spec.steps
    ]


def _trigger_parts(
    spec: TriggerSpec, parameters: dict[str, str], ids: dict[str, dict[str, str]]
) -> tuple[Any, dict[str, Any], Any]:
    from shared.triggers.domain import TriggerAction

    action = render(spec.action, parameters, ids)
    try:
        parsed = TypeAdapter(TriggerAction).validate_python(action)
    except ValidationError as exc:
        raise Unprocessable(_problem(spec.key, exc)) from None
    return spec.type, render(spec.config, parameters, ids), parsed


def _validated(model: Any, body: dict[str, Any], what: str) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise Unprocessable(_problem(what, exc)) from None


def _problem(what: str, exc: ValidationError) -> str:
    first = exc.errors(include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"the template's {what} with these parameters: {where}: {first['msg']}"


def _check(template: Template, team_id: str, parameters: dict[str, str]) -> None:
    """Everything the install will ask of the services, checked before anything is made:
    422 (or 404 for a parameter naming something the team lacks) with nothing stored."""
    from shared.event_rules.patterns import EventPattern, check_pattern
    from shared.event_rules.templates import check_template
    from shared.triggers.domain import TriggerAction
    from shared.triggers.schedule import validate_schedule

    for parameter in template.parameters:
        value = parameters.get(parameter.name)
        if parameter.hook_source_scheme is not None and value is not None:
            _check_source(team_id, parameter.name, value, parameter.hook_source_scheme)
    ids = {
        "agent": {agent.key: _PLACEHOLDER_ID for agent in template.agents},
        "workflow": {workflow.key: _PLACEHOLDER_ID for workflow in template.workflows},
    }
    for agent in template.agents:
        _agent_request(agent, parameters)
    for workflow in template.workflows:
        _workflow_request(workflow, parameters)
        _step_requests(workflow, parameters, ids)
    now = utcnow()
    for trigger in template.triggers:
        kind, config, action = _trigger_parts(trigger, parameters, ids)
        fields = TypeAdapter(TriggerAction).dump_python(action, mode="json", exclude={"type"})
        if kind == "schedule":
            validate_schedule(config, now)
            check_template(fields, None)
        else:
            try:
                pattern = check_pattern(EventPattern.model_validate(config))
            except ValidationError as exc:
                raise Unprocessable(_problem(trigger.key, exc)) from None
            check_template(fields, pattern.event)


def _check_source(team_id: str, name: str, source_id: str, scheme: str) -> None:
    from shared.hooks.service import get_source

    try:
        source = get_source(team_id, source_id)
    except NotFound:
        raise NotFound(f"parameter {name}: the team has no inbound source {source_id}") from None
    if source.scheme != scheme:
        raise Unprocessable(
            f"parameter {name}: source {source_id} is a {source.scheme} source, not {scheme}"
        )
