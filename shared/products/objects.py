"""A product's release ZIPs in the artifacts bucket, under the team like all its objects:
`<team>/products/<product>/r<release>/product.zip`. A release's ZIP is a copy of its job's
export, never changed afterwards: deleting or re-running the job leaves what customers
bought as it was."""

from __future__ import annotations

from shared.aws import client
from shared.errors import Conflict
from shared.pipeline.spec import slugify
from shared.products.domain import Product
from shared.settings import get_settings


def _bucket() -> str:
    return get_settings().artifacts_bucket


def zip_key(team_id: str, product_id: str, release: int) -> str:
    return f"{team_id}/products/{product_id}/r{release}/product.zip"


def release_zip_key(product: Product) -> str:
    """The current release's ZIP."""
    if product.release < 1:
        raise Conflict("the product has no release yet")
    return zip_key(product.team_id, product.id, product.release)


def exists(key: str) -> bool:
    s3 = client("s3")
    try:
        s3.head_object(Bucket=_bucket(), Key=key)
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def copy_release(source_key: str, key: str) -> None:
    client("s3").copy_object(
        Bucket=_bucket(),
        Key=key,
        CopySource={"Bucket": _bucket(), "Key": source_key},
        ContentType="application/zip",
        MetadataDirective="REPLACE",
    )


def download_url(product: Product, *, expires_in: int) -> str:
    """A presigned GET of the current release's ZIP, named after the product."""
    name = slugify(product.name) or "product"
    url: str = client("s3").generate_presigned_url(
        "get_object",
        Params={
            "Bucket": _bucket(),
            "Key": release_zip_key(product),
            "ResponseContentDisposition": f'attachment; filename="{name}-r{product.release}.zip"',
        },
        ExpiresIn=expires_in,
    )
    return url
