"""Products' rules: publishing a job's result as a release, edits, and what the public
storefront answers. Routes call these; storage is shared.products.store's."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shared import artifacts
from shared.dashboard.live import announce
from shared.errors import Conflict, NotFound, Unprocessable
from shared.ids import new_id, utcnow
from shared.pagination import PageParams
from shared.products import objects, store
from shared.products.domain import (
    CHECK_REPORTS,
    MAX_SCREENSHOTS,
    REPAIR_COST,
    WARNING_COST,
    CategoryCount,
    ListedProduct,
    ListingQuery,
    Product,
    ProductChanges,
    PublishFields,
    Release,
)
from shared.products.words import query_words

# Where a built web site's entry page may be in a generated tree: the root, or the output
# folder of the usual web toolchains.
WEB_ROOTS = ("", "dist/", "build/", "public/", "web/", "site/", "out/")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


def _not_found() -> NotFound:
    return NotFound("no such product")


def get_team_product(team_id: str, product_id: str) -> Product:
    product = store.get_product(team_id, product_id)
    if product is None:
        raise _not_found()
    return product


def quality_of(team_id: str, job: Any) -> int:
    """A passed job's score: 100, less WARNING_COST per warning its checks left and
    REPAIR_COST per repair attempt it needed (a passed job has no error left)."""
    warnings = 0
    for phase in CHECK_REPORTS:
        report = artifacts.load_report(team_id, job.id, phase) or {}
        warnings += int(report.get("warnings") or 0)
    score = 100 - WARNING_COST * warnings - REPAIR_COST * int(job.repair_attempts or 0)
    return max(0, min(100, score))


def web_root_of(team_id: str, job_id: str) -> str | None:
    """The folder of the tree holding the built site's index.html (None: not a web product)."""
    paths = {entry.path for entry in artifacts.list_tree(team_id, job_id) if not entry.is_dir}
    return next((root for root in WEB_ROOTS if f"{root}index.html" in paths), None)


def check_screenshots(team_id: str, screenshots: tuple[str, ...]) -> tuple[str, ...]:
    """The team's image files, in order, each once; 422 naming the first that is not."""
    from shared.files import store as files

    distinct = tuple(dict.fromkeys(screenshots))
    if len(distinct) > MAX_SCREENSHOTS:
        raise Unprocessable(f"at most {MAX_SCREENSHOTS} screenshots")
    stored = files.get_files(team_id, distinct)
    for file_id in distinct:
        found = stored.get(file_id)
        if found is None or found.content_type not in IMAGE_TYPES:
            raise Unprocessable(f"screenshot {file_id} is not an image file of the team")
    return distinct


def create_draft(
    team_id: str, *, job_id: str | None, name: str, category: str, description: str, actor: str
) -> Product:
    """A product not published yet (an admin's idea whose job is still running, say)."""
    del actor  # drafts record no author beyond their job's
    now = utcnow()
    product = Product(
        id=new_id(),
        team_id=team_id,
        job_id=job_id,
        name=name,
        category=category,
        description=description,
        created_at=now,
        updated_at=now,
    )
    made = store.create_product(product)
    announce(team_id)
    return made


def update_product(
    team_id: str, product_id: str, changes: ProductChanges, *, actor: str
) -> Product:
    """Apply `changes` (None fields stay); the listing follows in the same write."""
    del actor
    product = get_team_product(team_id, product_id)
    given = {name: value for name, value in _fields(changes).items() if value is not None}
    if "screenshots" in given:
        given["screenshots"] = check_screenshots(team_id, given["screenshots"])
    if "support_agent_id" in given:
        _check_agent(team_id, given["support_agent_id"])
    if not given:
        return product
    saved = store.save_product(product, replace(product, **given, updated_at=utcnow()))
    announce(team_id)
    return saved


def _check_agent(team_id: str, agent_id: str) -> None:
    """The support agent must be a live agent of the team: 422 naming it otherwise."""
    from shared.agents import service as agents

    try:
        agents.get_agent(team_id, agent_id)
    except NotFound:
        raise Unprocessable(f"agent {agent_id} is not an agent of the team") from None


def _fields(changes: ProductChanges) -> dict[str, Any]:
    return {name: getattr(changes, name) for name in ProductChanges.__dataclass_fields__}


def publish_from_job(
    team_id: str, job_ref: str, fields: PublishFields, *, actor: str
) -> tuple[Product, bool]:
    """A passed job's export as the next release of its product, created when the job has
    none: (the product, whether it was created). 409 while the job has not passed or has
    no export; another team's job or product is 404."""
    from shared.jobs import store as jobs

    job = jobs.find_job(team_id, job_ref)
    if job.status != "passed":
        raise Conflict(f"only a passed job can be published (this one is {job.status})")
    source = artifacts.export_key(team_id, job.id, job.slug)
    if not objects.exists(source):
        raise Conflict("the job has not been exported yet")
    screenshots = check_screenshots(team_id, fields.screenshots) if fields.screenshots else None
    product_id = fields.product_id or store.product_of_job(team_id, job.id)
    existing = get_team_product(team_id, product_id) if product_id else None
    now = utcnow()
    if existing is None:
        spec = job.spec
        base = Product(
            id=new_id(),
            team_id=team_id,
            job_id=job.id,
            name=fields.name or spec.name,
            category=fields.category,
            description=fields.description or spec.description or spec.name,
            created_at=now,
            updated_at=now,
        )
        existing = store.create_product(base)
        created = True
    else:
        created = False
    release_number = existing.release + 1
    key = objects.zip_key(team_id, existing.id, release_number)
    objects.copy_release(source, key)
    web_root = web_root_of(team_id, job.id)
    quality = quality_of(team_id, job)
    release = Release(
        product_id=existing.id,
        team_id=team_id,
        release=release_number,
        job_id=job.id,
        zip_key=key,
        kind="web" if web_root is not None else "download",
        web_root=web_root,
        quality_score=quality,
        published_at=now,
        published_by=actor,
    )
    published = replace(
        existing,
        job_id=job.id,
        name=fields.name or existing.name,
        category=fields.category,
        tagline=fields.tagline if fields.tagline is not None else existing.tagline,
        description=fields.description or existing.description,
        price_cents=fields.price_cents if fields.price_cents is not None else existing.price_cents,
        screenshots=screenshots if screenshots is not None else existing.screenshots,
        status="published",
        release=release_number,
        kind=release.kind,
        web_root=web_root,
        quality_score=quality,
        published_at=existing.published_at or now,
        updated_at=utcnow(),
    )
    saved = store.save_product(existing, published, release)
    announce(team_id)
    return saved, created


def list_team_products(
    team_id: str, params: PageParams, *, status: str | None = None
) -> tuple[list[Product], int, str | None]:
    return store.list_team_products(team_id, params, status=status)


def list_releases(
    team_id: str, params: PageParams, *, product_id: str | None = None
) -> tuple[list[Release], int, str | None]:
    if product_id is not None:
        get_team_product(team_id, product_id)
    return store.list_releases(team_id, params, product_id=product_id)


# The public storefront.


def listing(query: ListingQuery, params: PageParams) -> tuple[list[ListedProduct], int, str | None]:
    words = query_words(query.search) if query.search else ()
    if query.search and not words:
        return [], 0, None  # nothing a product is indexed under can match
    return store.list_listed(query, words, params)


def categories() -> list[CategoryCount]:
    return sorted(store.category_counts(), key=lambda c: (-c.count, c.category))


def public_product(product_id: str) -> Product:
    product = store.get_listed_product(product_id)
    if product is None:
        raise _not_found()
    return product


def screenshot_urls(product: Product, *, expires_in: int) -> list[str]:
    """Presigned GETs of the product's screenshots that still exist."""
    from shared.files import objects as file_objects
    from shared.files import store as files

    stored = files.get_files(product.team_id, product.screenshots)
    return [
        file_objects.download_url(found.object_key, found.name, found.content_type, expires_in)
        for file_id in product.screenshots
        if (found := stored.get(file_id)) is not None
    ]
