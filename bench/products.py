"""(q) The public storefront's listing, in an interpreter of its own over emulated AWS
(`python -m bench.products <big>`):

The storefront is one listing for every team, so the sizes are two states of one store:
10 listed products, timed; then `<big>` (10,000 by default) in all, timed again. The
products are written as the store lists them (their listing items under the whole
listing, their category and their words, and the counters), in batches: publishing them
one request at a time would only time the filling. While the 10 are timed, the others'
items wait in the table as ballast under partitions no listing reads, so both states hold
the same items (an emulator holding more objects is slower at everything, which is not
what is measured). Timed through the local gateway, no
sign-in: `GET /products?limit=10` (newest first: one Query of the listing, one GetItem of
its counter) and `GET /products?category=<c>&limit=10&sort=name`, p50 of each, over moto and
with the call's recorded AWS answers replayed to botocore, whose ratio is the check
(<= 1.2x), with the requests and items read, which must not grow.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Any

from bench.common import run_child
from bench.list_calls import LIST_CALLS, figure_rows, flat_check, list_figures
from bench.report import Check, Table

MAX_GROWTH = 1.2
SMALL = 10
DEFAULT_BIG = 10_000
PAGE = "10"
# A page (10) and a counter: what DynamoDB bills, and what bounds its time there.
READ_BOUND = 12
CATEGORIES = ("saas", "landing-pages", "tools", "games", "data")
CALLS = {
    "all": ("GET /products?limit=10", {"limit": PAGE}),
    "category": (
        "GET /products?category=saas&sort=name&limit=10",
        {"category": "saas", "sort": "name", "limit": PAGE},
    ),
}


def _environment() -> Any:
    os.environ.update(
        {
            "APP_ENV": "local",
            "RESOURCE_PREFIX": "factory-bench-products",
            "ARTIFACTS_BUCKET": "factory-bench-products-artifacts",
            "EVENT_BUS_NAME": "factory-bench-products-bus",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from shared.settings import get_settings

    return get_settings()


def _fill(start: int, stop: int, *, listed: bool = True) -> list[Any]:
    """Listed products `start`..`stop` - 1 as the store keeps them: each one's listing items
    (its product item is not what a listing reads) and the listing's counters. Not
    `listed`: the same items under partitions no listing reads (ballast), uncounted."""
    from collections import Counter
    from datetime import timedelta

    from shared.ids import new_id, utcnow
    from shared.products import store
    from shared.products.domain import Product
    from shared.products.models import COUNTS_PARTITION, CountItem, ListingItem

    counts: Counter[str] = Counter()
    written: list[Any] = []
    base = utcnow()
    with ListingItem.batch_write() as batch:
        for number in range(start, stop):
            moment = base + timedelta(seconds=number)
            # The small store's products are all in the category timed, so both of its
            # pages are full pages.
            category = "saas" if number < SMALL else CATEGORIES[number % len(CATEGORIES)]
            product = Product(
                id=new_id(),
                team_id=f"bench-seller-{number % 50}",
                job_id=None,
                name=f"Product {number}",
                category=category,
                tagline="Made by the factory",
                description=f"A generated {category} product, number {number}",
                created_at=moment,
                updated_at=moment,
                status="published",
                quality_score=90,
                release=1,
                published_at=moment,
            )
            for item in store._listing_items(product):
                if not listed:
                    item.pk = f"BALLAST#{item.pk}"
                written.append(item)
                batch.save(item)
            counts[store.ALL_COUNT_KEY] += 1
            counts[f"CAT#{category}"] += 1
    if not listed:
        return written
    for key, delta in counts.items():
        CountItem(COUNTS_PARTITION, key).update(
            actions=[CountItem.total.add(delta), CountItem.team_id.set("-")],
            add_version_condition=False,
        )
    return written


def _unfill(items: list[Any]) -> None:
    from shared.products.models import ListingItem

    with ListingItem.batch_write() as batch:
        for item in items:
            batch.delete(item)


def _products_child(big: int) -> dict[str, Any]:
    settings = _environment()
    from fastapi.testclient import TestClient

    from bench.events import RecordedAnswers
    from tools.local.emulator import emulated_aws
    from tools.local.gateway import LocalGateway

    figures: dict[str, dict[str, dict[str, float]]] = {}
    with emulated_aws(settings):
        answers = RecordedAnswers().install()
        with TestClient(LocalGateway()) as http:  # type: ignore[arg-type]
            # The same items are stored in both states: the big store's others wait as
            # ballast (under partitions no listing reads) while the small one is timed, so
            # what differs is what is listed, not how much the emulator holds.
            _fill(0, SMALL)
            ballast = _fill(SMALL, big, listed=False)
            figures["small"] = _timed(http, answers)
            _unfill(ballast)
            _fill(SMALL, big)
            figures["big"] = _timed(http, answers)
    return {"figures": figures, "big": big}


def _timed(http: Any, answers: Any) -> dict[str, dict[str, float]]:
    return {
        name: list_figures(http, answers, {}, "/api/v1/products", params)
        for name, (_, params) in CALLS.items()
    }


@dataclass(frozen=True, slots=True)
class ProductsReport:
    figures: dict[str, dict[str, dict[str, float]]]
    big: int


def measure(big: int = DEFAULT_BIG) -> ProductsReport:
    found = run_child("bench.products", str(big))
    return ProductsReport(found["figures"], found["big"])


def table(report: ProductsReport) -> Table:
    out = Table("Storefront: the public listing, local runtime", ["measure", "p50", ""])
    sizes = (f"{SMALL} products", f"{report.big} products")
    for name, (label, _) in CALLS.items():
        small, big = report.figures["small"][name], report.figures["big"][name]
        out.rows += figure_rows(label, small, big, sizes)
    out.notes.append(
        f"{LIST_CALLS} calls of each through the local gateway (no sign-in), with {SMALL} "
        f"listed products and then {report.big}, over moto and with the call's recorded AWS "
        "answers replayed to botocore (moto's Query walks every item under the key before "
        "applying the limit; DynamoDB reads one page). The check uses the replayed figure "
        "and the items read."
    )
    return out


def checks(report: ProductsReport) -> list[Check]:
    return [
        flat_check(
            label,
            report.figures["small"][name],
            report.figures["big"][name],
            versus=f"{report.big} products vs {SMALL}",
            max_growth=MAX_GROWTH,
            read_bound=READ_BOUND,
        )
        for name, (label, _) in CALLS.items()
    ]


if __name__ == "__main__":
    print(json.dumps(_products_child(int(sys.argv[1]))))
