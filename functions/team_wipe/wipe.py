"""What a wipe deletes, stage by stage, and where it goes on from.

Stages, in order (each safe to run again: it deletes what is still there):

1. schedules  the EventBridge Scheduler schedule of each of the team's triggers (first, so
              no trigger fires into a half-wiped team)
2. secrets    every Secrets Manager secret under the team's paths: providers' keys
              (`<prefix>/teams/<team>/`), channels', SSH connections' and the vault's
              (`<prefix>/<kind>/<team>/`), found by name prefix (ListSecrets), orphans
              included; scheduled for deletion with the stores' recovery window
3. objects    the team's S3 objects: a team's keys start `<team>/` or `<kind>/<team>/`
              (artifacts, hooks/, demos/, files/, ...); the top level is listed with a
              delimiter to find the kinds, then each `<kind>/<team>/` and `<team>/` prefix
4. storefront the team's products taken off the public storefront, each through the
              products' own write (so the listing's counters stay right), before their
              items go with the tables'
5. tables     jobs, agents, providers, costs, events, work, data, storefront: every item of
              the team; in the storefront table its orders and AI Market channels stay
              (the buyers' records: a customer still reads their order, a channel's
              refund still finds it)
6. defaults   the default agents again (one per phase), as registration made them

Finding a team's items: most sit under `TEAM#<team>`, but some are keyed by something else
(a delivery under `WEBHOOK#<id>`, a trigger's runs under `TRIGGER#<id>`, an inbox under
`INBOX#<team>#<user>`, a deployment under its name), and no per-team index lists them all.
So this worker Scans each table (it is the one place the project Scans: never a request
path), filtered on the item's `team_id` attribute or its team in the partition key, and
deletes what it finds in batches of 25. Never touched: the identity table (accounts, API
keys, sessions, the audit log), the idempotency table, and the wipe's own `WIPE#` items.

A table's Scan records its cursor after each page; when the invocation's time runs low the
worker saves where it is and queues a continuation of the same wipe (a new message, part
n + 1), so a team larger than one invocation can delete is wiped in several.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, Final

from shared.aws import client
from shared.db.base import team_partition
from shared.observability import logger
from shared.settings import get_settings
from shared.team_wipe_store import WIPE_PREFIX, Progress

WIPED_TABLES: Final = (
    "jobs",
    "agents",
    "providers",
    "costs",
    "events",
    "work",
    "data",
    "storefront",
)
# Items a wipe leaves in a table though they name the team: the buyers' records.
KEPT: Final[dict[str, tuple[str, ...]]] = {"storefront": ("ORDER#", "CHANNEL#")}
STAGES: Final = (
    "schedules",
    "secrets",
    "objects",
    "storefront",
    *(f"table:{t}" for t in WIPED_TABLES),
    "defaults",
)
# Secrets Manager paths (under the resource prefix) a team's secrets live under, the team
# id after each: providers' keys, notification channels', SSH connections', the vault's.
SECRET_PATHS: Final = ("teams", "channels", "ssh", "vault")
# A top-level S3 "folder" shaped like a ULID is a team's own (`<team>/<job>/...`), not a
# kind of object that holds teams' folders: it is not listed for this team's keys.
_TEAM_FOLDER = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}/")
BATCH_WRITE_ITEMS: Final = 25
DELETE_OBJECTS: Final = 1000
# Unprocessed deletes are sent again this often before the stage fails (SQS retries it).
BATCH_ATTEMPTS: Final = 5

# Seconds left: the worker checks it between pages and stops in time to save its place.
TimeLeft = Callable[[], float]


class OutOfTime(Exception):
    """The invocation is about to end: the progress given is where to go on from."""

    def __init__(self, at: Progress) -> None:
        super().__init__("out of time")
        self.at = at


def _count(at: Progress, name: str, n: int) -> None:
    if n:
        at.counts[name] = at.counts.get(name, 0) + n


def delete_schedules(team_id: str, at: Progress) -> None:
    """Each of the team's triggers' schedules (a trigger without one is fine)."""
    from shared.triggers.scheduler import delete_schedule

    dynamodb = client("dynamodb")
    paginator = dynamodb.get_paginator("query")
    pages = paginator.paginate(
        TableName=get_settings().table_name("events"),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :trigger)",
        ExpressionAttributeValues={
            ":pk": {"S": team_partition(team_id)},
            ":trigger": {"S": "TRIGGER#"},
        },
        ProjectionExpression="sk",
        ConsistentRead=True,
    )
    for page in pages:
        for item in page.get("Items", []):
            delete_schedule(item["sk"]["S"].removeprefix("TRIGGER#"))
            _count(at, "schedules", 1)


def delete_secrets(team_id: str, at: Progress) -> None:
    """Every secret under the team's paths, scheduled for deletion as the stores do."""
    from shared.versioned_secrets import RECOVERY_WINDOW_DAYS

    manager = client("secretsmanager")
    prefix = get_settings().resource_prefix
    for kind in SECRET_PATHS:
        path = f"{prefix}/{kind}/{team_id}/"
        pages = manager.get_paginator("list_secrets").paginate(
            Filters=[{"Key": "name", "Values": [path]}]
        )
        for page in pages:
            for secret in page.get("SecretList", []):
                # The name filter matches a prefix of any word of the name: keep exact ones.
                if not str(secret["Name"]).startswith(path) or secret.get("DeletedDate"):
                    continue
                try:
                    manager.delete_secret(
                        SecretId=secret["ARN"], RecoveryWindowInDays=RECOVERY_WINDOW_DAYS
                    )
                except manager.exceptions.ResourceNotFoundException:
                    continue  # deleted meanwhile
                except manager.exceptions.InvalidRequestException:
                    continue  # already scheduled for deletion
                _count(at, "secrets", 1)


def _team_prefixes(team_id: str) -> list[str]:
    """`<team>/` and `<kind>/<team>/` for every top-level kind of the bucket."""
    s3 = client("s3")
    bucket = get_settings().artifacts_bucket
    kinds: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Delimiter="/"):
        kinds += [
            str(common["Prefix"])
            for common in page.get("CommonPrefixes", [])
            if not _TEAM_FOLDER.fullmatch(str(common["Prefix"]))
            and common["Prefix"] != f"{team_id}/"
        ]
    return [f"{team_id}/", *(f"{kind}{team_id}/" for kind in kinds)]


def delete_objects(team_id: str, at: Progress) -> None:
    """Every object under the team's prefixes, a thousand per DeleteObjects."""
    s3 = client("s3")
    bucket = get_settings().artifacts_bucket
    for prefix in _team_prefixes(team_id):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
            for start in range(0, len(keys), DELETE_OBJECTS):
                chunk = keys[start : start + DELETE_OBJECTS]
                answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
                if answer.get("Errors"):
                    raise RuntimeError(f"S3 refused {len(answer['Errors'])} delete(s)")
                _count(at, "objects", len(chunk))


def _is_teams(item: dict[str, Any], team_id: str) -> bool:
    """The item is the team's: its team_id says so, or its partition key names the team as
    one of its `#` parts. Never the wipe's own records."""
    pk = item["pk"]["S"]
    if pk == team_partition(team_id) and item.get("sk", {}).get("S", "").startswith(WIPE_PREFIX):
        return False
    return item.get("team_id", {}).get("S") == team_id or team_id in pk.split("#")


def _scan_pages(table: str, team_id: str, cursor: dict[str, Any] | None) -> Iterator[Any]:
    """The Scan's pages from `cursor`, filtered to items that may be the team's."""
    dynamodb = client("dynamodb")
    arguments: dict[str, Any] = {
        "TableName": get_settings().table_name(table),
        "FilterExpression": "team_id = :team OR begins_with(pk, :partition) OR contains(pk, :part)",
        "ExpressionAttributeValues": {
            ":team": {"S": team_id},
            ":partition": {"S": team_partition(team_id)},
            ":part": {"S": f"#{team_id}#"},
        },
        "ProjectionExpression": "pk, sk, team_id",
        "ConsistentRead": True,
    }
    while True:
        page = dynamodb.scan(**arguments, **({"ExclusiveStartKey": cursor} if cursor else {}))
        yield page
        cursor = page.get("LastEvaluatedKey")
        if not cursor:
            return


def _batch_delete(table: str, keys: list[dict[str, Any]]) -> None:
    dynamodb = client("dynamodb")
    name = get_settings().table_name(table)
    for start in range(0, len(keys), BATCH_WRITE_ITEMS):
        requests = [
            {"DeleteRequest": {"Key": key}} for key in keys[start : start + BATCH_WRITE_ITEMS]
        ]
        for _attempt in range(BATCH_ATTEMPTS):
            answer = dynamodb.batch_write_item(RequestItems={name: requests})
            requests = answer.get("UnprocessedItems", {}).get(name, [])
            if not requests:
                break
        else:
            raise RuntimeError(f"{len(requests)} delete(s) left unprocessed in {table}")


def delete_items(
    table: str, team_id: str, at: Progress, time_left: TimeLeft, margin: float
) -> None:
    """Every item of the team in `table`, page by page from `at.cursor`; OutOfTime (with
    the next page's cursor) when fewer than `margin` seconds are left."""
    for page in _scan_pages(table, team_id, at.cursor):
        kept = KEPT.get(table, ())
        keys = [
            {"pk": item["pk"], "sk": item["sk"]}
            for item in page.get("Items", [])
            if _is_teams(item, team_id) and not item["pk"]["S"].startswith(kept)
        ]
        _batch_delete(table, keys)
        _count(at, f"items.{table}", len(keys))
        at.cursor = page.get("LastEvaluatedKey")
        if at.cursor and time_left() < margin:
            raise OutOfTime(at)
    at.cursor = None


def unlist_products(team_id: str, at: Progress) -> None:
    """Every listed product of the team off the storefront (hidden, counters moved)."""
    from shared.products.store import unlist_team_products

    _count(at, "products_unlisted", unlist_team_products(team_id))


def reseed_defaults(team_id: str, at: Progress) -> None:
    """The default agents, one per phase, as a new team gets them."""
    from shared.agents.service import ensure_defaults

    _count(at, "default_agents", len(ensure_defaults(team_id)))


def run_stages(team_id: str, at: Progress, time_left: TimeLeft, margin: float) -> Progress:
    """Every stage from `at.stage` on; the progress at the end (OutOfTime before it, with
    the place to go on from, when time runs low between stages or Scan pages)."""
    while at.stage < len(STAGES):
        stage = STAGES[at.stage]
        logger.info("wipe stage", extra={"team_id": team_id, "stage": stage})
        if stage == "schedules":
            delete_schedules(team_id, at)
        elif stage == "secrets":
            delete_secrets(team_id, at)
        elif stage == "objects":
            delete_objects(team_id, at)
        elif stage == "storefront":
            unlist_products(team_id, at)
        elif stage == "defaults":
            reseed_defaults(team_id, at)
        else:
            delete_items(stage.removeprefix("table:"), team_id, at, time_left, margin)
        at.stage += 1
        if at.stage < len(STAGES) and time_left() < margin:
            raise OutOfTime(at)
    return at
