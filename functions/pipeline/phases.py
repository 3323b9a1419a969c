"""What each phase does. Plain functions of a job and its artifacts; no Step Functions here.

Model phases call their agent's provider and store what it wrote (a document, or files
merged into the tree); tool phases run the real checks and store their reports; repair
asks for fixes and sends the tree back to qa, which fails the job with what is left once
the job's repair attempts are spent.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any, Literal

from functions.pipeline.agents import Assignment
from functions.pipeline.errors import ChecksFailed, PhaseFailed, TransientPhaseError
from functions.pipeline.prompts import messages_for
from shared import artifacts
from shared.jobs.domain import Job
from shared.llm.files import UnsafePath, parse_files
from shared.llm.router import CallContext, Router
from shared.llm.types import Completion, CompletionRequest, PhaseTask, ProviderError
from shared.pipeline.definition import Phase

# The document each model phase writes, by phase.
DOCUMENTS: dict[str, str] = {
    "create": "brief",
    "ba": "requirements",
    "backend": "backend",
    "architect": "architecture",
    "uiux": "design",
    "reviewer": "review",
}
ZIP_DATE_TIME = (2026, 1, 1, 0, 0, 0)
# How many of qa's findings a failed job's error names (the qa report lists them all).
_NAMED_FINDINGS = 5


@dataclass
class PhaseResult:
    outcome: Literal["passed", "skipped"] = "passed"
    # After repair: whether qa must check again.
    recheck: bool = False
    summary: str = ""
    completions: list[Completion] = field(default_factory=list)
    cost_usd: float = 0.0
    repaired: bool = False
    # Who answered the phase's last model call (the agent's target, or the fallback).
    provider: str | None = None
    model: str | None = None


@dataclass
class PhaseContext:
    job: Job
    router: Router
    assignment: Assignment
    # Model calls so far in this run of the phase: with the job, phase and attempt, each
    # call's id, so the ledger charges a call once however often its record is retried.
    calls: int = 0

    @property
    def team_id(self) -> str:
        return self.job.team_id

    @property
    def job_id(self) -> str:
        return self.job.id

    def ask(
        self,
        phase: Phase,
        result: PhaseResult,
        *,
        files: dict[str, str] | None = None,
        findings: tuple[dict[str, Any], ...] = (),
    ) -> str:
        """One model call through the team's router, its tokens and cost added to `result`.

        A provider's transient failure (after the fallback) is retried by Step Functions; any
        other fails the phase. BudgetExceeded goes up as it is: the worker asks a person."""
        task = PhaseTask(
            phase=phase.name,
            spec=self.job.spec.model_dump(mode="json"),
            documents=artifacts.load_documents(self.team_id, self.job_id),
            files=files or {},
            findings=findings,
            feedback=self.job.revision_notes.get(phase.name),
        )
        target = self.assignment.target
        request = CompletionRequest(
            model=target.model,
            messages=messages_for(phase.agent_role, task, self.assignment.system_prompt),
            task=task,
        )
        self.calls += 1
        attempt = self.job.phase(phase.name).attempts
        call = CallContext(
            team_id=self.team_id,
            user_id=self.job.payer,
            agent_id=self.assignment.agent_id,
            job_id=self.job_id,
            call_id=f"{self.job_id}-{phase.name}-{attempt}-{self.calls}",
        )
        try:
            routed = self.router.complete(call, target, request)
        except ProviderError as exc:
            if exc.transient:
                raise TransientPhaseError(f"{phase.name}: {exc}") from exc
            raise PhaseFailed(f"{phase.name}: {exc}") from exc
        result.completions.append(routed.completion)
        result.cost_usd += routed.cost_usd
        result.provider = routed.target.provider
        result.model = routed.completion.model or routed.target.model
        return routed.completion.text


def _files_from(text: str, phase: Phase) -> dict[str, str]:
    try:
        return parse_files(text)
    except UnsafePath as exc:
        raise PhaseFailed(
            f"{phase.name}: the model wrote a file outside the project: {exc}"
        ) from exc


def _document_phase(ctx: PhaseContext, phase: Phase) -> PhaseResult:
    result = PhaseResult()
    if phase.name == "backend" and ctx.job.spec.backend == "none":
        return PhaseResult(outcome="skipped", summary="no backend requested")
    text = ctx.ask(phase, result)
    if not text.strip():
        raise PhaseFailed(f"{phase.name}: the model returned an empty document")
    artifacts.save_document(ctx.team_id, ctx.job_id, DOCUMENTS[phase.name], text)
    return result


def _dev(ctx: PhaseContext, phase: Phase) -> PhaseResult:
    result = PhaseResult()
    files = _files_from(ctx.ask(phase, result), phase)
    if not files:
        raise PhaseFailed("dev: the model returned no files")
    artifacts.save_tree(ctx.team_id, ctx.job_id, files)
    result.summary = f"{len(files)} files"
    return result


def _refactor(ctx: PhaseContext, phase: Phase) -> PhaseResult:
    result = PhaseResult()
    tree = artifacts.load_tree(ctx.team_id, ctx.job_id)
    changed = _files_from(ctx.ask(phase, result, files=tree), phase)
    if changed:
        artifacts.save_tree(ctx.team_id, ctx.job_id, {**tree, **changed})
    result.summary = f"{len(changed)} files tidied"
    return result


def _errors(report: dict[str, Any] | None) -> tuple[dict[str, Any], ...]:
    findings = (report or {}).get("findings", [])
    return tuple(finding for finding in findings if finding.get("severity") == "error")


def _repair(ctx: PhaseContext, phase: Phase) -> PhaseResult:
    errors = _errors(artifacts.load_report(ctx.team_id, ctx.job_id, "qa"))
    if not errors:
        return PhaseResult(outcome="skipped", summary="qa found nothing to repair")
    # qa fails the job once the attempts are spent, so repair only runs with one left.
    result = PhaseResult(recheck=True, repaired=True)
    tree = artifacts.load_tree(ctx.team_id, ctx.job_id)
    changed = _files_from(ctx.ask(phase, result, files=tree, findings=errors), phase)
    artifacts.save_tree(ctx.team_id, ctx.job_id, {**tree, **changed})
    result.summary = f"{len(changed)} files changed for {len(errors)} finding(s)"
    return result


def _report(ctx: PhaseContext, phase: Phase, findings: list[Any]) -> list[dict[str, Any]]:
    found = [finding.to_dict() for finding in findings]
    errors = [finding for finding in found if finding["severity"] == "error"]
    artifacts.save_report(
        ctx.team_id,
        ctx.job_id,
        phase.name,
        {
            "phase": phase.name,
            "target": ctx.job.spec.target,
            "errors": len(errors),
            "warnings": len(found) - len(errors),
            "findings": found,
        },
    )
    lines = [f"# {phase.name}: {len(errors)} error(s), {len(found) - len(errors)} warning(s)", ""]
    lines += [f"- **{f['severity']}** `{f.get('path') or '-'}`: {f['message']}" for f in found]
    artifacts.save_document(ctx.team_id, ctx.job_id, phase.name, "\n".join(lines) + "\n")
    return errors


def _where(finding: dict[str, Any]) -> str:
    where = str(finding.get("path") or "project")
    return f"{where}:{finding['line']}" if finding.get("line") else where


def _unrepaired(job: Job, errors: list[dict[str, Any]]) -> str:
    """Why qa fails the job: the findings repair left, named, so a person can fix them
    (edit the files, then retry from a phase)."""
    named = "; ".join(
        f"{_where(f)}: {' '.join(str(f['message']).split())[:200]}"
        for f in errors[:_NAMED_FINDINGS]
    )
    more = f"; and {len(errors) - _NAMED_FINDINGS} more" if len(errors) > _NAMED_FINDINGS else ""
    return (
        f"qa: {len(errors)} problem(s) left after {job.repair_attempts} repair attempt(s) "
        f"(of {job.max_repair_attempts}): {named}{more}"
    )


def _checks(ctx: PhaseContext, phase: Phase) -> PhaseResult:
    from functions.pipeline import checks  # runs generated code: imported only where needed

    tree = artifacts.load_tree(ctx.team_id, ctx.job_id)
    target = ctx.job.spec.target
    if phase.name == "qa":
        errors = _report(ctx, phase, checks.run_qa(target, tree))
        if errors and ctx.job.repair_attempts >= ctx.job.max_repair_attempts:
            raise ChecksFailed(_unrepaired(ctx.job, errors))
        # Repair gets the findings while it has attempts left; qa looks again after it.
        return PhaseResult(summary=f"{len(errors)} error(s)")
    if phase.name == "runtime":
        errors = _report(ctx, phase, checks.run_runtime(target, tree))
        if errors:
            raise PhaseFailed(f"runtime: the project did not run: {errors[0]['message']}")
        return PhaseResult(summary="the project ran")
    errors = _report(ctx, phase, checks.scan_security(tree))
    if errors:
        raise PhaseFailed(
            f"security: {len(errors)} problem(s), first in "
            f"{errors[0].get('path')}: {errors[0]['message']}"
        )
    return PhaseResult(summary="no security problems")


def zip_tree(files: dict[str, str], root: str) -> bytes:
    """The tree as a ZIP under `root/`, byte-for-byte the same for the same files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{root}/{path}", date_time=ZIP_DATE_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[path])
    return buffer.getvalue()


def _export(ctx: PhaseContext, phase: Phase) -> PhaseResult:
    tree = artifacts.load_tree(ctx.team_id, ctx.job_id)
    if not tree:
        raise PhaseFailed("export: there is no generated tree to export")
    slug = ctx.job.slug
    artifacts.save_export(ctx.team_id, ctx.job_id, slug, zip_tree(tree, slug))
    return PhaseResult(summary=f"{slug}.zip with {len(tree)} files")


def run_phase(ctx: PhaseContext, phase: Phase) -> PhaseResult:
    if phase.name in DOCUMENTS:
        return _document_phase(ctx, phase)
    runners = {
        "dev": _dev,
        "refactor": _refactor,
        "repair": _repair,
        "qa": _checks,
        "runtime": _checks,
        "security": _checks,
        "export": _export,
    }
    return runners[phase.name](ctx, phase)
