"""Code reviews (seed 003): listed by status and agent from one Query each and paged by
cursor, shown with their files and comments, approved or rejected once, commented while
open; another team's review is 404; each bad input is 422."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.approvals import reviews
from shared.approvals.review_domain import MAX_FILE_CHARS, CodeReview
from shared.ids import new_id
from shared.tasks.domain import Task
from tests.factories import Account, assert_error

REVIEWS = "/api/v1/code-reviews"
CODE = (
    "Here is the handler.\n\n"
    "```python app/health.py\n"
    "def health() -> dict[str, str]:\n"
    '    return {"status": "ok"}\n'
    "```\n\n"
    "And a check:\n\n"
    "```bash\n"
    "curl -s localhost:8000/health\n"
    "```\n"
)


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


def completed_task(team_id: str, *, agent_id: str | None = None, result: str = CODE) -> Task:
    return Task(
        team_id=team_id,
        id=new_id(),
        title="Health check",
        instructions="Write a health check handler",
        status="completed",
        agent_id=agent_id,
        result=result,
    )


def open_review(account: Account, *, agent_id: str | None = None, result: str = CODE) -> CodeReview:
    task = completed_task(account.team_id, agent_id=agent_id, result=result)
    review = reviews.open_for_task(task)
    assert review is not None
    return review


def listed(account: Account, **params: Any) -> dict[str, Any]:
    answer = account.client.get(REVIEWS, headers=account.headers, params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


def test_reviews_list_by_status_and_agent_newest_first_and_page_by_cursor(
    admin: Account,
) -> None:
    writer, tester = new_id(), new_id()
    first = open_review(admin, agent_id=writer)
    second = open_review(admin, agent_id=tester)
    third = open_review(admin, agent_id=writer)
    approved = admin.client.post(f"{REVIEWS}/{first.id}/approve", headers=admin.headers)
    assert approved.status_code == 200, approved.text

    everything = listed(admin)
    assert ids(everything) == [third.id, second.id, first.id]
    assert everything["total"] == 3
    assert everything["items"][0]["source"] == {"kind": "task", "id": third.source_id}
    assert everything["items"][0]["file_count"] == 2
    assert everything["items"][2]["status"] == "approved"
    assert ids(listed(admin, status="open")) == [third.id, second.id]
    assert listed(admin, status="open")["total"] == 2
    assert ids(listed(admin, status="approved")) == [first.id]
    assert listed(admin, status="rejected") == {
        "items": [],
        "total": 0,
        "limit": 20,
        "offset": 0,
        "next_cursor": None,
    }
    by_writer = listed(admin, agent_id=writer)
    assert (ids(by_writer), by_writer["total"]) == ([third.id, first.id], 2)
    assert ids(listed(admin, agent_id=writer, status="open")) == [third.id]
    assert ids(listed(admin, agent_id=writer, status="approved")) == [first.id]
    assert listed(admin, agent_id=tester, status="approved")["total"] == 0

    page = listed(admin, limit=2)
    assert ids(page) == [third.id, second.id]
    assert page["total"] == 3
    rest = listed(admin, limit=2, cursor=page["next_cursor"])
    assert ids(rest) == [first.id]
    assert ids(listed(admin, limit=1, offset=1)) == [second.id]
    # A cursor of another list is not this one's.
    other = listed(admin, agent_id=writer, limit=1)["next_cursor"]
    assert other is not None
    wrong = admin.client.get(
        REVIEWS, headers=admin.headers, params={"status": "open", "cursor": other}
    )
    assert_error(wrong, 400)


def test_a_review_shows_its_files_and_comments_paged_oldest_first(admin: Account) -> None:
    review = open_review(admin)
    url = f"{REVIEWS}/{review.id}"
    posted = []
    for number, where in enumerate(
        [{"path": "app/health.py", "line": 2}, {}, {"path": "snippet-2.sh"}], start=1
    ):
        answer = admin.client.post(
            f"{url}/comment", headers=admin.headers, json={"body": f"note {number}", **where}
        )
        assert answer.status_code == 201, answer.text
        posted.append(answer.json())
    assert posted[0]["author"] == {"kind": "user", "id": admin.user_id}
    assert (posted[0]["path"], posted[0]["line"]) == ("app/health.py", 2)
    assert (posted[1]["path"], posted[1]["line"]) == (None, None)

    detail = admin.client.get(url, headers=admin.headers).json()
    assert detail["status"] == "open"
    assert detail["title"] == "Task: Health check"
    assert detail["summary"] == CODE
    assert [(f["path"], f["language"]) for f in detail["files"]] == [
        ("app/health.py", "python"),
        ("snippet-2.sh", "bash"),
    ]
    assert detail["files"][0]["content"].startswith("def health()")
    assert detail["files"][0]["truncated"] is False
    assert detail["comment_count"] == 3
    assert [c["body"] for c in detail["comments"]] == ["note 1", "note 2", "note 3"]
    assert detail["comments_next_cursor"] is None

    page = admin.client.get(f"{url}/comments", headers=admin.headers, params={"limit": 2}).json()
    assert ([c["body"] for c in page["items"]], page["total"]) == (["note 1", "note 2"], 3)
    rest = admin.client.get(
        f"{url}/comments", headers=admin.headers, params={"cursor": page["next_cursor"]}
    ).json()
    assert [c["body"] for c in rest["items"]] == ["note 3"]


def test_a_review_is_decided_once_and_takes_no_comment_after(
    admin: Account, published: list[tuple[str, dict[str, Any]]]
) -> None:
    approved, rejected = open_review(admin), open_review(admin)

    answer = admin.client.post(f"{REVIEWS}/{approved.id}/approve", headers=admin.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["decided_by"], body["reason"]) == ("approved", admin.user_id, None)
    assert body["decided_at"] is not None
    for decision in ("approve", "reject"):
        assert_error(
            admin.client.post(f"{REVIEWS}/{approved.id}/{decision}", headers=admin.headers), 409
        )

    answer = admin.client.post(
        f"{REVIEWS}/{rejected.id}/reject",
        headers=admin.headers,
        json={"reason": "  the handler swallows errors "},
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["reason"]) == (
        "rejected",
        "the handler swallows errors",
    )
    late = admin.client.post(
        f"{REVIEWS}/{rejected.id}/comment", headers=admin.headers, json={"body": "too late"}
    )
    assert_error(late, 409)
    assert (
        admin.client.get(f"{REVIEWS}/{rejected.id}", headers=admin.headers).json()["comment_count"]
        == 0
    )
    counts = {status: listed(admin, status=status)["total"] for status in ("open", "approved")}
    assert counts == {"open": 0, "approved": 1}

    mine = [(kind, d["review_id"]) for kind, d in published if kind.startswith("code_review.")]
    assert mine == [
        ("code_review.opened", approved.id),
        ("code_review.opened", rejected.id),
        ("code_review.approved", approved.id),
        ("code_review.rejected", rejected.id),
    ]


def test_another_teams_review_is_404(admin: Account, new_account: Callable[..., Account]) -> None:
    review = open_review(admin)
    intruder = new_account()
    url = f"{REVIEWS}/{review.id}"
    answers = [
        intruder.client.get(url, headers=intruder.headers),
        intruder.client.get(f"{url}/comments", headers=intruder.headers),
        intruder.client.post(f"{url}/approve", headers=intruder.headers),
        intruder.client.post(f"{url}/reject", headers=intruder.headers),
        intruder.client.post(f"{url}/comment", headers=intruder.headers, json={"body": "x"}),
        admin.client.get(f"{REVIEWS}/task{new_id()}", headers=admin.headers),
    ]
    for answer in answers:
        assert_error(answer, 404)
    assert listed(intruder)["total"] == 0
    assert admin.client.get(url, headers=admin.headers).json()["status"] == "open"


@pytest.mark.parametrize(
    ("method", "suffix", "body", "params"),
    [
        ("get", "", None, {"status": "pending"}),
        ("get", "", None, {"agent_id": "not-an-agent"}),
        ("get", "", None, {"limit": 0}),
        ("post", "/comment", {}, None),
        ("post", "/comment", {"body": "   "}, None),
        ("post", "/comment", {"body": "x", "line": 0}, None),
        ("post", "/comment", {"body": "x", "line": "3"}, None),
        ("post", "/comment", {"body": "x", "path": "a.py", "extra": True}, None),
        ("post", "/comment", {"body": "x" * 8001}, None),
        ("post", "/approve", {"reason": "x" * 2001}, None),
        ("post", "/reject", {"why": "no"}, None),
    ],
)
def test_bad_input_is_422(
    admin: Account,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
    params: dict[str, Any] | None,
) -> None:
    url = REVIEWS if method == "get" else f"{REVIEWS}/{open_review(admin).id}{suffix}"
    answer = admin.client.request(
        method.upper(), url, headers=admin.headers, json=body, params=params
    )
    assert_error(answer, 422)


def test_a_malformed_review_id_is_422(admin: Account) -> None:
    assert_error(admin.client.get(f"{REVIEWS}/{new_id()}", headers=admin.headers), 422)


def test_only_code_opens_a_review_and_files_are_capped(admin: Account) -> None:
    prose = completed_task(admin.team_id, result="Done: the notes are summarised, no code.")
    assert reviews.open_for_task(prose) is None
    running = Task(
        team_id=admin.team_id, id=new_id(), title="t", instructions="i", status="running"
    )
    assert reviews.open_for_task(running) is None

    big = "x = 1\n" * (MAX_FILE_CHARS // 3)
    review = open_review(admin, result=f"```py\n{big}```\n")
    [file] = admin.client.get(f"{REVIEWS}/{review.id}", headers=admin.headers).json()["files"]
    assert (file["path"], file["language"]) == ("snippet-1.py", "python")
    assert file["truncated"] is True
    assert len(file["content"]) == MAX_FILE_CHARS
    assert file["size"] == len(big)
