"""The admin product lifecycle (seed 000's admin rows): a product made from an idea starts
the job that builds it, a follow-up starts the job that builds its next release, and a job
that passes becomes its product's next release by itself (`publish_built`, called when the
pipeline completes a job). The product waits as a draft (or as it was) meanwhile."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from shared.errors import DomainError, NotFound
from shared.ids import utcnow
from shared.observability import logger
from shared.products import service, store
from shared.products.domain import MAX_NAME_CHARS, Product, PublishFields

# What the lifecycle records as the publisher of a release it made.
LIFECYCLE_ACTOR = "product-lifecycle"


@dataclass(frozen=True, slots=True)
class Idea:
    idea: str
    category: str
    instructions: str = ""
    name: str | None = None
    price_cents: int = 0
    platform: str = "web"


def _name_of(idea: Idea) -> str:
    if idea.name:
        return idea.name
    words = idea.idea.split()
    name = " ".join(words[:8])
    return (name[: MAX_NAME_CHARS - 3] + "...") if len(name) > MAX_NAME_CHARS else name


def create_from_idea(team_id: str, user_id: str, idea: Idea) -> tuple[Product, Any]:
    """A draft product and the job that builds it (as POST /jobs starts one): (product, job)."""
    from shared.jobs.requests import JobCreate
    from shared.jobs.start import create_job

    name = _name_of(idea)
    description = idea.idea if not idea.instructions else f"{idea.idea}\n\n{idea.instructions}"
    job = create_job(
        team_id,
        user_id,
        JobCreate(name=name[:120], description=description[:4000], platform=idea.platform),
    )
    draft = service.create_draft(
        team_id,
        job_id=job.id,
        name=name,
        category=idea.category,
        description=idea.idea,
        actor=user_id,
    )
    if idea.price_cents:
        draft = store.save_product(
            draft, replace(draft, price_cents=idea.price_cents, updated_at=utcnow())
        )
    return draft, job


def follow_up(
    team_id: str, user_id: str, product_id: str, instructions: str
) -> tuple[Product, Any]:
    """Start the job that builds the product's next release from `instructions`."""
    from shared.jobs.requests import JobCreate
    from shared.jobs.start import create_job

    product = service.get_team_product(team_id, product_id)
    job = create_job(
        team_id,
        user_id,
        JobCreate(
            name=product.name[:120],
            description=f"{product.description}\n\nFollow-up: {instructions}"[:4000],
            platform="web" if product.kind == "web" else "python-api",
        ),
    )
    store.link_job(team_id, job.id, product.id)
    building = store.save_product(product, replace(product, job_id=job.id, updated_at=utcnow()))
    return building, job


def publish_built(team_id: str, job_id: str) -> Product | None:
    """A passed job that builds a product becomes its next release, once (the pipeline's
    completion may run again). Nothing for a job no product waits on; a release that cannot
    be made (no export) is logged, never a failure of the job."""
    product_id = store.product_of_job(team_id, job_id)
    if product_id is None:
        return None
    product = store.get_product(team_id, product_id)
    if product is None or product.job_id != job_id:
        return None  # deleted, or a later follow-up took over
    if product.release > 0:
        current = store.get_release(product.id, product.release)
        if current is not None and current.job_id == job_id:
            return product  # published from this job already
    fields = PublishFields(category=product.category, product_id=product.id)
    try:
        published, _ = service.publish_from_job(team_id, job_id, fields, actor=LIFECYCLE_ACTOR)
    except (DomainError, NotFound) as exc:
        logger.warning(
            "a built product could not be published",
            extra={"product_id": product.id, "job_id": job_id, "reason": str(exc)},
        )
        return None
    return published
