"""Code reviews (seed 003): code a job or a task produced, put before the team to approve,
reject or discuss.

- **Opened** by the reviewer phase of a job (`open_for_job`: the job's files as excerpts,
  the review document as summary, the reviewer's verdict and the checks' findings it
  reviewed as the agent's comments) and by a task whose result holds a fenced code block
  (`open_for_task`: each block a file). A review's id is its source's (`job<id>`,
  `task<id>`) and it is stored only if none has that id: a retried phase or a redelivered
  task message opens nothing twice, and answers the review opened first.
- **Decided** once: open → approved or rejected (a second decision is 409), by one
  conditional transaction that moves its list copies and counts with it.
- **Commented** while open (a decided review takes no comment: 409); comments read oldest
  first, paged.

Events: code_review.opened / approved / rejected / commented.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Final

from shared import events
from shared.approvals import review_store as store
from shared.approvals.review_domain import (
    APPROVED,
    COMMENTED,
    MAX_COMMENT_CHARS,
    MAX_FILE_CHARS,
    MAX_FILES,
    MAX_FILES_CHARS,
    MAX_OPENING_COMMENTS,
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    OPENED,
    REJECTED,
    Author,
    CodeReview,
    ReviewComment,
    ReviewFile,
    ReviewStatus,
    ReviewSummary,
    SourceKind,
    comment_data,
    event_data,
    review_id_for,
)
from shared.errors import Conflict, NotFound
from shared.ids import new_id, utcnow
from shared.pagination import PageParams

if TYPE_CHECKING:
    from shared.jobs.domain import Job
    from shared.tasks.domain import Task

_DECIDED: Final = {"approved": APPROVED, "rejected": REJECTED}
# The checks whose findings the reviewer phase reads (functions/pipeline/prompts.py).
_CHECKS: Final = ("qa", "runtime", "security")

# A fenced code block (CommonMark: ``` or ~~~, closed by the same fence on its own line).
_FENCE = re.compile(
    r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)\n(?P<code>.*?)^ {0,3}(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_EXTENSIONS: Final = {
    "python": "py",
    "py": "py",
    "javascript": "js",
    "js": "js",
    "jsx": "jsx",
    "typescript": "ts",
    "ts": "ts",
    "tsx": "tsx",
    "java": "java",
    "kotlin": "kt",
    "swift": "swift",
    "dart": "dart",
    "go": "go",
    "rust": "rs",
    "ruby": "rb",
    "php": "php",
    "c": "c",
    "cpp": "cpp",
    "csharp": "cs",
    "bash": "sh",
    "sh": "sh",
    "shell": "sh",
    "sql": "sql",
    "html": "html",
    "css": "css",
    "json": "json",
    "yaml": "yaml",
    "toml": "toml",
}
_LANGUAGES: Final = {
    "py": "python",
    "js": "javascript",
    "jsx": "javascript",
    "mjs": "javascript",
    "ts": "typescript",
    "tsx": "typescript",
    "java": "java",
    "kt": "kotlin",
    "swift": "swift",
    "dart": "dart",
    "go": "go",
    "rs": "rust",
    "rb": "ruby",
    "php": "php",
    "sh": "bash",
    "sql": "sql",
    "html": "html",
    "css": "css",
    "json": "json",
    "yaml": "yaml",
    "yml": "yaml",
    "toml": "toml",
    "md": "markdown",
}


def _language_of(path: str) -> str | None:
    return _LANGUAGES.get(PurePosixPath(path).suffix.lstrip(".").lower())


def _capped(files: Iterable[tuple[str, str | None, str]]) -> tuple[ReviewFile, ...]:
    """Excerpts of at most MAX_FILES files: each at most MAX_FILE_CHARS, all together at
    most MAX_FILES_CHARS (files past the budget keep their path and size, no text)."""
    budget = MAX_FILES_CHARS
    capped = []
    for path, language, text in list(files)[:MAX_FILES]:
        excerpt = text[: min(MAX_FILE_CHARS, budget)]
        budget -= len(excerpt)
        capped.append(
            ReviewFile(
                path=path,
                language=language,
                content=excerpt,
                size=len(text),
                truncated=len(excerpt) < len(text),
            )
        )
    return tuple(capped)


def code_blocks(text: str | None) -> list[tuple[str, str | None, str]]:
    """The fenced code blocks of `text`, each as (path, language, code): the path the info
    string names (```python app/main.py), else `snippet-<n>.<ext>`."""
    from shared.llm.files import UnsafePath, safe_relative_path

    blocks = []
    for number, match in enumerate(_FENCE.finditer(text or ""), start=1):
        words = match["info"].split()
        named = words[0].lower() if words and not _looks_like_path(words[0]) else None
        # One name per language, whichever alias the block used (py, python).
        language = None if named is None else _LANGUAGES.get(_EXTENSIONS.get(named, ""), named)
        path = None
        for word in words:
            candidate = word.split("=", 1)[-1].strip("\"'")
            if _looks_like_path(candidate):
                try:
                    path = safe_relative_path(candidate)
                except UnsafePath:
                    continue
                break
        if path is None:
            path = f"snippet-{number}.{_EXTENSIONS.get(named or '', 'txt')}"
        blocks.append((path, language or _language_of(path), match["code"]))
    return blocks


def _looks_like_path(word: str) -> bool:
    return "/" in word or ("." in word.strip(".") and " " not in word)


def _open(review: CodeReview, comments: list[ReviewComment]) -> CodeReview:
    """Store the review unless its source opened one before (then that one, unchanged)."""
    if store.create_review(review, comments):
        events.publish(OPENED, event_data(review))
        return review
    existing = store.get_review(review.team_id, review.id, consistent=True)
    if existing is None:  # deleted in between: nothing to answer with
        raise NotFound(f"code review {review.id} not found")
    return existing


def _new(
    team_id: str,
    kind: SourceKind,
    source_id: str,
    *,
    agent_id: str | None,
    title: str,
    summary: str | None,
    files: tuple[ReviewFile, ...],
    comment_count: int = 0,
) -> CodeReview:
    now = utcnow()
    return CodeReview(
        team_id=team_id,
        id=review_id_for(kind, source_id),
        status="open",
        source_kind=kind,
        source_id=source_id,
        agent_id=agent_id,
        title=title[:MAX_TITLE_CHARS],
        file_count=len(files),
        created_at=now,
        summary=None if summary is None else summary[:MAX_SUMMARY_CHARS],
        files=files,
        comment_count=comment_count,
        updated_at=now,
    )


def open_for_task(task: Task) -> CodeReview | None:
    """A review of a completed task's code (each fenced block of its result a file); None
    when the result holds no code. Opened once per task, however often this is called."""
    if task.status != "completed":
        return None
    blocks = code_blocks(task.result)
    if not blocks:
        return None
    review = _new(
        task.team_id,
        "task",
        task.id,
        agent_id=task.agent_id,
        title=f"Task: {task.title}",
        summary=task.result,
        files=_capped(blocks),
    )
    return _open(review, [])


def _verdict(document: str) -> str | None:
    """The review document's verdict section, as the reviewer wrote it."""
    _, found, rest = document.partition("## Verdict")
    if not found:
        return None
    text = rest.split("\n## ", 1)[0].strip()
    return text or None


def _findings(reports: Mapping[str, Mapping[str, Any] | None]) -> list[dict[str, Any]]:
    found = []
    for check in _CHECKS:
        for finding in (reports.get(check) or {}).get("findings", []):
            if isinstance(finding, dict) and finding.get("message"):
                found.append({"check": check, **finding})
    return found


def open_for_job(job: Job) -> CodeReview:
    """A review of the job's code, opened by its reviewer phase: the generated files as
    excerpts, the review document as summary, and the reviewer agent's comments (its
    verdict, then each finding of the checks it reviewed, on its file and line). Opened
    once per job: a phase run again answers the review opened first."""
    from shared import artifacts

    reviewer = job.phase("reviewer").agent
    agent_id = reviewer.id if reviewer is not None else None
    document = artifacts.load_documents(job.team_id, job.id).get("review")
    tree = artifacts.load_tree(job.team_id, job.id)
    files = _capped((path, _language_of(path), tree[path]) for path in sorted(tree))
    author = Author("agent", agent_id)
    now = utcnow()
    bodies: list[tuple[str, str | None, int | None]] = []
    verdict = _verdict(document or "")
    if verdict:
        bodies.append((verdict, None, None))
    reports = {check: artifacts.load_report(job.team_id, job.id, check) for check in _CHECKS}
    for finding in _findings(reports):
        line = finding.get("line")
        bodies.append(
            (
                f"{finding.get('severity', 'error')} ({finding['check']}): {finding['message']}",
                str(finding["path"]) if finding.get("path") else None,
                line if isinstance(line, int) and line > 0 else None,
            )
        )
    review = _new(
        job.team_id,
        "job",
        job.id,
        agent_id=agent_id,
        title=f"{job.spec.name}: code review",
        summary=document,
        files=files,
        comment_count=min(len(bodies), MAX_OPENING_COMMENTS),
    )
    comments = [
        ReviewComment(
            team_id=job.team_id,
            review_id=review.id,
            id=new_id(),  # increasing within the process: they list in this order
            author=author,
            body=body[:MAX_COMMENT_CHARS],
            path=path,
            line=line if path else None,
            created_at=now,
        )
        for body, path, line in bodies[:MAX_OPENING_COMMENTS]
    ]
    return _open(review, comments)


def get_review(team_id: str, review_id: str, *, consistent: bool = False) -> CodeReview:
    review = store.get_review(team_id, review_id, consistent=consistent)
    if review is None:
        raise NotFound(f"code review {review_id} not found")
    return review


def list_reviews(
    team_id: str, params: PageParams, *, status: ReviewStatus | None, agent_id: str | None
) -> tuple[list[ReviewSummary], int, str | None]:
    return store.list_reviews(team_id, params, status=status, agent_id=agent_id)


def list_comments(
    team_id: str, review_id: str, params: PageParams
) -> tuple[CodeReview, list[ReviewComment], int, str | None]:
    review = get_review(team_id, review_id)
    comments, total, cursor = store.list_comments(review, params)
    return review, comments, total, cursor


def _still_open(review: CodeReview) -> CodeReview:
    if review.status != "open":
        raise Conflict(f"code review {review.id} is {review.status}")
    return review


def decide(
    team_id: str,
    review_id: str,
    *,
    approved: bool,
    decided_by: str | None,
    reason: str | None,
) -> CodeReview:
    """open → approved / rejected, once: a decided review is Conflict (409)."""
    review = _still_open(get_review(team_id, review_id, consistent=True))
    status: ReviewStatus = "approved" if approved else "rejected"
    decided = store.decide(review, status, decided_by=decided_by, reason=reason, moment=utcnow())
    if decided is None:  # decided by another request since it was read
        _still_open(get_review(team_id, review_id, consistent=True))
        raise Conflict(f"code review {review_id} was changed by another request; try again")
    events.publish(_DECIDED[status], event_data(decided))
    return decided


def comment(
    team_id: str,
    review_id: str,
    author: Author,
    body: str,
    *,
    path: str | None = None,
    line: int | None = None,
) -> ReviewComment:
    """A comment on an open review (a decided one is Conflict: the discussion is closed)."""
    review = _still_open(get_review(team_id, review_id, consistent=True))
    posted = ReviewComment(
        team_id=team_id,
        review_id=review.id,
        id=new_id(),
        author=author,
        body=body,
        path=path,
        line=line,
        created_at=utcnow(),
    )
    if not store.add_comment(review, posted):
        _still_open(get_review(team_id, review_id, consistent=True))
        raise Conflict(f"code review {review_id} was changed by another request; try again")
    events.publish(COMMENTED, comment_data(posted))
    return posted
