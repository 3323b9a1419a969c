"""Products, their releases and the public listing (keys in shared.products.models): the
only module of the area that touches the table; domain objects out."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from shared.db.base import counts_of, get_or_none, storage_errors, team_partition
from shared.db.query import prefix_page, query_page
from shared.db.transactions import transact
from shared.errors import Conflict
from shared.ids import looks_like_id, utcnow
from shared.pagination import PageParams
from shared.products.domain import (
    CategoryCount,
    ListedProduct,
    ListingQuery,
    Product,
    Release,
)
from shared.products.models import (
    ALL_PARTITION,
    BY_NAME,
    COUNTS_PARTITION,
    NEWEST,
    PRODUCT_SORT,
    RELEASE_PREFIX,
    CountItem,
    JobProductItem,
    ListingItem,
    ProductItem,
    ReleaseItem,
    category_count_key,
    category_partition,
    job_product_key,
    product_partition,
    release_key,
    search_partition,
    team_products,
    team_releases,
)
from shared.products.words import fold, words_of

_CHANGED = "the product changed since it was read; read it again"
TEAM_COUNT_KEY = "PRODUCTCOUNT"
ALL_COUNT_KEY = "ALL"
# A name's first characters order the listing by name; the product id breaks ties.
_NAME_KEY_CHARS = 60


def _to_product(item: ProductItem) -> Product:
    return Product(
        id=item.product_id,
        team_id=item.team_id,
        job_id=item.job_id,
        name=item.name,
        category=item.category,
        tagline=item.tagline,
        description=item.description,
        price_cents=int(item.price_cents),
        currency=item.currency,
        status="published" if item.status == "published" else "draft",
        hidden=bool(item.hidden),
        quality_score=int(item.quality_score),
        quality_override=None if item.quality_override is None else int(item.quality_override),
        release=int(item.release),
        kind="web" if item.kind == "web" else "download",
        web_root=item.web_root,
        support_agent_id=item.support_agent_id,
        screenshots=tuple(str(file_id) for file_id in item.screenshots or []),
        created_at=item.created_at,
        updated_at=item.updated_at,
        published_at=item.published_at,
        version=item.version,
    )


def _product_item(product: Product) -> ProductItem:
    item = ProductItem(
        product_partition(product.id),
        PRODUCT_SORT,
        team_id=product.team_id,
        product_id=product.id,
        job_id=product.job_id,
        name=product.name,
        category=product.category,
        tagline=product.tagline,
        description=product.description,
        price_cents=product.price_cents,
        currency=product.currency,
        status=product.status,
        hidden=product.hidden,
        quality_score=product.quality_score,
        quality_override=product.quality_override,
        release=product.release,
        kind=product.kind,
        web_root=product.web_root,
        support_agent_id=product.support_agent_id,
        screenshots=list(product.screenshots),
        created_at=product.created_at,
        updated_at=product.updated_at,
        published_at=product.published_at,
        gsi1pk=team_products(product.team_id),
        gsi1sk=product.id,
    )
    if product.version is not None:
        item.version = product.version
    return item


def _stamp(product: Product) -> str:
    """Part of every listing key of this state of the product: the items of the state a
    change replaces never share a key with the new ones (a transaction names a key once)."""
    return product.updated_at.strftime("%Y%m%d%H%M%S%f")


def _listing_items(product: Product) -> list[ListingItem]:
    """The listing's items of `product` (none when it is not listed)."""
    if not product.listed or product.published_at is None:
        return []
    stamp, published = _stamp(product), product.published_at.isoformat()
    newest = f"{NEWEST}{published}#{product.id}#{stamp}"
    by_name = f"{BY_NAME}{fold(product.name)[:_NAME_KEY_CHARS]}#{product.id}#{stamp}"
    words = words_of(product.name, product.tagline, product.category, product.description)
    keys = [
        (ALL_PARTITION, newest),
        (ALL_PARTITION, by_name),
        (category_partition(product.category), newest),
        (category_partition(product.category), by_name),
        *((search_partition(word), newest) for word in words),
    ]
    return [
        ListingItem(
            partition,
            sort_key,
            team_id=product.team_id,
            product_id=product.id,
            name=product.name,
            tagline=product.tagline,
            category=product.category,
            price_cents=product.price_cents,
            currency=product.currency,
            kind=product.kind,
            release=product.release,
            quality_score=product.effective_quality,
            published_at=product.published_at,
            created_at=product.updated_at,
            updated_at=product.updated_at,
            words=f" {' '.join(words)} ",
        )
        for partition, sort_key in keys
    ]


def _team_counts(product: Product | None) -> Counter[str]:
    if product is None:
        return Counter()
    state = "published" if product.status == "published" else "drafts"
    return Counter({state: 1, **({"listed": 1} if product.listed else {})})


def _listing_counts(product: Product | None) -> Counter[str]:
    if product is None or not product.listed:
        return Counter()
    return Counter({ALL_COUNT_KEY: 1, category_count_key(product.category): 1})


def _write_state(transaction: TransactWrite, old: Product | None, new: Product) -> None:
    """`old` (None: nothing yet) becomes `new`: the product on the version read, its listing
    items replaced, and every counter the change moves."""
    item = _product_item(new)
    if old is None:
        transaction.save(item, condition=ProductItem.pk.does_not_exist())
    else:
        transaction.save(item)  # on the version read (409 otherwise)
    for gone in _listing_items(old) if old else []:
        transaction.delete(gone, add_version_condition=False)
    for listed in _listing_items(new):
        transaction.save(listed)  # a new key: its state's stamp is in it
    listing = _listing_counts(new)
    listing.subtract(_listing_counts(old))
    for key, delta in listing.items():
        if delta:
            transaction.update(
                CountItem(COUNTS_PARTITION, key),
                actions=[CountItem.total.add(delta), CountItem.team_id.set("-")],
                add_version_condition=False,
            )
    team = _team_counts(new)
    team.subtract(_team_counts(old))
    actions = [getattr(CountItem, name).add(delta) for name, delta in sorted(team.items()) if delta]
    if actions:
        transaction.update(
            CountItem(team_partition(new.team_id), TEAM_COUNT_KEY),
            actions=[*actions, CountItem.team_id.set(new.team_id)],
            add_version_condition=False,
        )


def create_product(product: Product) -> Product:
    """Store a new product (and, when it came from a job, which job)."""

    def write(transaction: TransactWrite) -> None:
        _write_state(transaction, None, product)
        if product.job_id:
            transaction.save(
                JobProductItem(
                    team_partition(product.team_id),
                    job_product_key(product.job_id),
                    team_id=product.team_id,
                    product_id=product.id,
                ),
                condition=JobProductItem.pk.does_not_exist(),
            )

    if transact(write, what="product"):
        raise Conflict("a product was published from this job already; publish to it")
    return replace(product, version=1)


def save_product(old: Product, new: Product, release: Release | None = None) -> Product:
    """Replace `old` (as read) with `new`, and record `release` with it when one is made."""

    def write(transaction: TransactWrite) -> None:
        _write_state(transaction, old, new)
        if release is not None:
            transaction.save(_release_item(release), condition=ReleaseItem.pk.does_not_exist())

    if transact(write, what="product"):
        raise Conflict(_CHANGED)
    return replace(new, version=(old.version or 0) + 1)


def unlist_team_products(team_id: str) -> int:
    """Hide every listed product of the team (a wipe): each through its own write, so the
    listing's items and counters follow. How many were listed."""
    unlisted = 0
    cursor: str | None = None
    while True:
        products, _, cursor = list_team_products(
            team_id, PageParams(limit=100, cursor=cursor), status="published"
        )
        for product in products:
            if product.listed:
                save_product(product, replace(product, hidden=True, updated_at=utcnow()))
                unlisted += 1
        if cursor is None:
            return unlisted


def find_product(product_id: str) -> Product | None:
    """The product with this id, whoever's and whatever its state (workers, public reads)."""
    if not looks_like_id(product_id):
        return None
    item = get_or_none(ProductItem, product_partition(product_id), PRODUCT_SORT)
    return _to_product(item) if item else None


def get_product(team_id: str, product_id: str) -> Product | None:
    """The team's product (any state); another team's is None, as if it did not exist."""
    product = find_product(product_id)
    return product if product is not None and product.team_id == team_id else None


def get_listed_product(product_id: str) -> Product | None:
    """The product as the public may see it: listed, else None."""
    product = find_product(product_id)
    return product if product is not None and product.listed else None


def product_of_job(team_id: str, job_id: str) -> str | None:
    item = get_or_none(JobProductItem, team_partition(team_id), job_product_key(job_id))
    return item.product_id if item else None


def link_job(team_id: str, job_id: str, product_id: str) -> None:
    """Record that the job's result is the product's next release (a follow-up job): once."""
    item = JobProductItem(
        team_partition(team_id), job_product_key(job_id), team_id=team_id, product_id=product_id
    )
    with storage_errors("product"):
        item.save(condition=JobProductItem.pk.does_not_exist())


def list_team_products(
    team_id: str, params: PageParams, *, status: str | None = None
) -> tuple[list[Product], int, str | None]:
    """The team's products, newest first (a team's own list: counted by its Query)."""
    condition: Condition | None = ProductItem.status == status if status else None
    items, total, cursor = query_page(
        ProductItem.by_team, team_products(team_id), params, filter_condition=condition
    )
    return [_to_product(item) for item in items], total, cursor


def team_counts(team_id: str) -> dict[str, int]:
    names = ("drafts", "published", "listed")
    return counts_of(CountItem, team_partition(team_id), TEAM_COUNT_KEY, names)


# Releases.


def _release_item(release: Release) -> ReleaseItem:
    published = release.published_at.isoformat()
    return ReleaseItem(
        product_partition(release.product_id),
        release_key(release.release),
        team_id=release.team_id,
        product_id=release.product_id,
        release=release.release,
        job_id=release.job_id,
        zip_key=release.zip_key,
        kind=release.kind,
        web_root=release.web_root,
        quality_score=release.quality_score,
        published_at=release.published_at,
        published_by=release.published_by,
        gsi1pk=team_releases(release.team_id),
        gsi1sk=f"{published}#{release.product_id}#{release.release:06d}",
    )


def _to_release(item: ReleaseItem) -> Release:
    return Release(
        product_id=item.product_id,
        team_id=item.team_id,
        release=int(item.release),
        job_id=item.job_id,
        zip_key=item.zip_key,
        kind="web" if item.kind == "web" else "download",
        web_root=item.web_root,
        quality_score=int(item.quality_score),
        published_at=item.published_at,
        published_by=item.published_by,
    )


def list_releases(
    team_id: str, params: PageParams, *, product_id: str | None = None
) -> tuple[list[Release], int, str | None]:
    """The team's releases newest first, or one of its products'."""
    if product_id is None:
        items, total, cursor = query_page(ReleaseItem.by_team, team_releases(team_id), params)
    else:
        items, total, cursor = query_page(
            ReleaseItem,
            product_partition(product_id),
            params,
            range_key_condition=ReleaseItem.sk.startswith(RELEASE_PREFIX),
        )
    return [_to_release(item) for item in items], total, cursor


def get_release(product_id: str, release: int) -> Release | None:
    item = get_or_none(ReleaseItem, product_partition(product_id), release_key(release))
    return _to_release(item) if item else None


# The public listing.


def _count(key: str) -> int:
    item = get_or_none(CountItem, COUNTS_PARTITION, key)
    return int(item.total or 0) if item else 0


def _to_listed(item: ListingItem) -> ListedProduct:
    return ListedProduct(
        id=item.product_id,
        seller_id=item.team_id,
        name=item.name,
        tagline=item.tagline,
        category=item.category,
        price_cents=int(item.price_cents),
        currency=item.currency,
        kind="web" if item.kind == "web" else "download",
        release=int(item.release),
        quality_score=int(item.quality_score),
        published_at=item.published_at,
    )


def list_listed(
    query: ListingQuery, words: tuple[str, ...], params: PageParams
) -> tuple[list[ListedProduct], int, str | None]:
    """One page of the listing: one Query of the way asked for, and its total from a
    counter; a search reads the partition of its longest word (the rarest, as a rule) and
    keeps what has the others too, and counts that partition's matches."""
    if words:
        driving = max(words, key=len)
        condition: Condition | None = None
        for word in words:
            if word != driving:
                contains = ListingItem.words.contains(f" {word} ")
                condition = contains if condition is None else condition & contains
        if query.category:
            in_category = ListingItem.category == query.category
            condition = in_category if condition is None else condition & in_category
        partition = search_partition(driving)
        items, cursor = prefix_page(
            ListingItem, partition, NEWEST, params, filter_condition=condition
        )
        with storage_errors("products"):
            total = ListingItem.count(
                partition, ListingItem.sk.startswith(NEWEST), filter_condition=condition
            )
        return [_to_listed(item) for item in items], total, cursor
    prefix = NEWEST if query.sort == "newest" else BY_NAME
    if query.category:
        partition, total = (
            category_partition(query.category),
            _count(category_count_key(query.category)),
        )
    else:
        partition, total = ALL_PARTITION, _count(ALL_COUNT_KEY)
    items, cursor = prefix_page(
        ListingItem, partition, prefix, params, newest_first=query.sort == "newest"
    )
    return [_to_listed(item) for item in items], total, cursor


def listed_under(word: str, limit: int) -> list[ListedProduct]:
    """The newest `limit` listed products indexed under `word`: one Query of its partition."""
    with storage_errors("products"):
        items = list(
            ListingItem.query(
                search_partition(word),
                ListingItem.sk.startswith(NEWEST),
                scan_index_forward=False,
                limit=limit,
            )
        )
    return [_to_listed(item) for item in items]


def category_counts() -> list[CategoryCount]:
    """Every category with listed products and how many: one Query of the counters."""
    prefix = category_count_key("")
    with storage_errors("products"):
        items = list(CountItem.query(COUNTS_PARTITION, CountItem.sk.startswith(prefix)))
    return [
        CategoryCount(category=item.sk[len(prefix) :], count=int(item.total or 0))
        for item in items
        if int(item.total or 0) > 0
    ]
