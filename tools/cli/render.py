"""Plain-text rendering: numbers, durations and tables that read well in a terminal and
in a CI log alike (no colour, no box drawing, columns aligned with spaces)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from datetime import UTC, datetime

from tools.cli.models import Approval, DeadLetter, Delivery, Job, Phase, Webhook

NOT_COUNTED = "not counted"  # the template generator counts no tokens


def tokens(count: int | None) -> str:
    if count is None:
        return NOT_COUNTED
    if count < 10_000:
        return f"{count:,}"
    if count < 1_000_000:
        return f"{count / 1000:.1f}k"
    return f"{count / 1_000_000:.2f}M"


def token_pair(tokens_in: int | None, tokens_out: int | None) -> str:
    if tokens_in is None and tokens_out is None:
        return f"tokens {NOT_COUNTED}"
    return f"{tokens(tokens_in)} in / {tokens(tokens_out)} out"


def token_total(tokens_in: int | None, tokens_out: int | None) -> str:
    if tokens_in is None and tokens_out is None:
        return NOT_COUNTED
    return tokens((tokens_in or 0) + (tokens_out or 0))


def cost(usd: float) -> str:
    # Phases cost fractions of a cent; two decimals would show them all as $0.00.
    return f"${usd:.2f}" if usd >= 1 else f"${usd:.4f}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return "-"
    now = now or datetime.now(UTC)
    seconds = max(0.0, (now - moment).total_seconds())
    if seconds < 60:
        return f"{int(seconds)} s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86_400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86_400)} d ago"


def phase_seconds(phase: Phase, now: datetime | None = None) -> float | None:
    """The server's duration once a phase is over; while it runs, the time so far."""
    if phase.duration_seconds is not None:
        return phase.duration_seconds
    if phase.started_at is not None and phase.finished_at is None:
        # Client and server clocks differ a little: never show a negative time.
        return max(0.0, ((now or datetime.now(UTC)) - phase.started_at).total_seconds())
    return None


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the last column is not padded (no trailing
    spaces in logs)."""
    widths = [len(header) for header in headers]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    lines = []
    for row in (headers, *rows):
        cells = [cell.ljust(widths[index]) for index, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def jobs_table(jobs: Sequence[Job], now: datetime | None = None) -> str:
    rows = [
        [
            job.slug,
            job.status,
            job.current_phase or "-",
            token_total(job.tokens_in, job.tokens_out),
            cost(job.cost_usd),
            ago(job.created_at, now),
        ]
        for job in jobs
    ]
    return table(["SLUG", "STATUS", "PHASE", "TOKENS", "COST", "CREATED"], rows)


def phases_table(phases: Sequence[Phase], now: datetime | None = None) -> str:
    rows = []
    for phase in phases:
        attempts = f" (attempt {phase.attempts})" if phase.attempts > 1 else ""
        rows.append(
            [
                phase.phase,
                phase.status + attempts,
                duration(phase_seconds(phase, now)),
                # Tool-only phases ask no model: a dash, not "0 in / 0 out $0.0000".
                token_pair(phase.tokens_in, phase.tokens_out) if phase.model else "-",
                cost(phase.cost_usd) if phase.model else "-",
                phase.model or "-",
            ]
        )
    return table(["PHASE", "STATUS", "TIME", "TOKENS", "COST", "MODEL"], rows)


def approvals_table(
    approvals: Sequence[Approval], slugs: dict[str, str], now: datetime | None = None
) -> str:
    rows = [
        [
            approval.id,
            slugs.get(approval.job_id, approval.job_id),
            approval.phase,
            approval.status,
            ago(approval.requested_at, now),
        ]
        for approval in approvals
    ]
    return table(["ID", "JOB", "PHASE", "STATUS", "REQUESTED"], rows)


def job_summary(job: Job, now: datetime | None = None) -> str:
    """The `factory status` header: what was asked, where it is, what it cost."""
    elapsed = None
    if job.started_at is not None:
        elapsed = ((job.finished_at or now or datetime.now(UTC)) - job.started_at).total_seconds()
    pairs = [
        ("job", f"{job.slug} ({job.id})"),
        ("name", job.name),
        ("status", job.status + (" (cancel requested)" if job.cancel_requested else "")),
        ("phase", job.current_phase or "-"),
        ("platform", job.platform),
        ("features", ", ".join(job.features) or "-"),
        ("gates", ", ".join(job.approval_gates) or "-"),
        ("tokens", token_pair(job.tokens_in, job.tokens_out)),
        ("cost", cost(job.cost_usd)),
        ("created", ago(job.created_at, now)),
        ("time", duration(max(0.0, elapsed)) if elapsed is not None else "-"),
    ]
    if job.error:
        pairs.append(("error", job.error))
    return "\n".join(f"{key + ':':<10}{value}" for key, value in pairs)


def approve_hint(approval_id: str) -> str:
    quoted = shlex.quote(approval_id)
    return (
        f"approve: factory approve {quoted}\n"
        f"  or reject: factory reject {quoted} --reason TEXT [--send-back]"
    )


def webhooks_table(webhooks: Sequence[Webhook]) -> str:
    rows = [
        [
            webhook.id,
            "on" if webhook.enabled else "off",
            ",".join(webhook.events),
            webhook.url,
        ]
        for webhook in webhooks
    ]
    return table(["ID", "ON", "EVENTS", "URL"], rows)


def deliveries_table(deliveries: Sequence[Delivery], now: datetime | None = None) -> str:
    rows = [
        [
            delivery.id,
            delivery.event_type,
            delivery.status,
            str(delivery.attempts),
            "-" if delivery.last_response_code is None else str(delivery.last_response_code),
            "-" if delivery.next_attempt_at is None else delivery.next_attempt_at.isoformat(),
            ago(delivery.created_at, now),
        ]
        for delivery in deliveries
    ]
    headers = ["ID", "EVENT", "STATUS", "ATTEMPTS", "LAST CODE", "NEXT ATTEMPT", "CREATED"]
    return table(headers, rows)


def dead_letters_table(items: Sequence[DeadLetter], now: datetime | None = None) -> str:
    rows = [
        [
            item.id,
            item.source,
            item.status,
            ago(item.created_at, now),
            # One line per item: the error's first line, cut to keep the table readable.
            (item.error.splitlines() or [""])[0][:80],
        ]
        for item in items
    ]
    return table(["ID", "SOURCE", "STATUS", "CREATED", "ERROR"], rows)
