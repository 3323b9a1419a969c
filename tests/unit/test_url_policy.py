"""Outbound URLs (provider base URLs, webhook endpoints): https to public addresses only
when deployed, checked again at each send and connected to the address checked."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from shared.errors import Unprocessable
from shared.url_policy import UrlRefused, check_url, pinned_request


def check_base_url(url: str, **kwargs: Any) -> str:
    """As the provider registry checks a base_url."""
    return check_url(url, field="base_url", **kwargs).rstrip("/")


def resolves_to(*addresses: str) -> Any:
    def resolve(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses
        ]

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.8/v1",
        "https://172.16.3.4/v1",
        "https://192.168.1.1/v1",
        "https://127.0.0.1:8443/v1",
        "https://169.254.169.254/latest/meta-data",  # the instance metadata service
        "https://0.0.0.0/v1",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused_deployed(url: str) -> None:
    with pytest.raises(Unprocessable, match="public address"):
        check_base_url(url, strict=True)


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize(
    "url", ["https://[::1]/v1", "https://[fe80::1]/v1", "https://[2606:4700::1111]/v1"]
)
def test_an_ipv6_literal_is_refused_an_ipv6_endpoint_goes_by_its_name(
    url: str, strict: bool
) -> None:
    with pytest.raises(Unprocessable, match="not IPv6"):
        check_base_url(url, strict=strict)


def test_a_name_that_resolves_to_a_private_address_is_refused_deployed() -> None:
    with pytest.raises(Unprocessable, match="public address"):
        check_base_url(
            "https://llm.internal.example/v1",
            strict=True,
            resolve=resolves_to("93.184.215.14", "10.1.2.3"),
        )


def test_a_public_https_url_is_accepted_without_its_trailing_slash() -> None:
    url = check_base_url(
        "https://api.example.com/v1/", strict=True, resolve=resolves_to("93.184.215.14")
    )

    assert url == "https://api.example.com/v1"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://api.example.com/v1", "https"),
        ("ftp://api.example.com", "https"),
        ("https:///v1", "host"),
        ("https://user:secret@api.example.com/v1", "credentials"),
        ("https://api.example.com/v1?key=x", "query"),
        # urlsplit itself refuses a bracketed host that is no IP address (was a 500)
        ("https://[E.0f8c43A1cD5Bb57:.c4a407A5A]:65535/v1", "malformed"),
    ],
)
def test_the_shape_is_checked_deployed(url: str, reason: str) -> None:
    with pytest.raises(Unprocessable, match=reason):
        check_base_url(url, strict=True, resolve=resolves_to("93.184.215.14"))


def test_a_name_that_does_not_resolve_is_refused_deployed() -> None:
    def no_such_host(*args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        raise socket.gaierror("Name or service not known")

    with pytest.raises(Unprocessable, match="does not resolve"):
        check_base_url("https://nowhere.example/v1", strict=True, resolve=no_such_host)


def test_locally_the_fake_servers_on_loopback_over_http_are_allowed() -> None:
    assert check_base_url("http://127.0.0.1:8765/v1", strict=False) == "http://127.0.0.1:8765/v1"
    with pytest.raises(Unprocessable):
        check_base_url("file:///etc/passwd", strict=False)


# --- webhook endpoints: the field named, a query allowed, checked again at each send -----


def test_the_field_is_named_and_a_webhook_url_may_have_a_query() -> None:
    with pytest.raises(UrlRefused, match=r"^url must be an https URL"):
        check_url("http://hooks.example.com/in", strict=True, resolve=resolves_to("93.184.215.14"))
    url = "https://hooks.example.com/in?token=abc"
    public = resolves_to("93.184.215.14")
    assert check_url(url, strict=True, allow_query=True, resolve=public) == url
    with pytest.raises(UrlRefused, match="fragment"):
        check_url("https://hooks.example.com/in#x", strict=True, allow_query=True)


def test_a_send_connects_to_the_address_it_checked_keeping_the_name() -> None:
    pinned = pinned_request(
        "https://hooks.example.com/in?a=1", strict=True, resolve=resolves_to("93.184.215.14")
    )

    assert pinned.url == "https://93.184.215.14/in?a=1"
    assert pinned.headers == {"Host": "hooks.example.com"}
    # The certificate is checked for the name, not for the address.
    assert pinned.extensions == {"sni_hostname": "hooks.example.com"}


def test_a_pinned_ipv6_address_and_a_port_are_kept() -> None:
    pinned = pinned_request(
        "https://hooks.example.com:8443/in", strict=True, resolve=resolves_to("2606:4700::1111")
    )

    assert pinned.url == "https://[2606:4700::1111]:8443/in"
    assert pinned.headers == {"Host": "hooks.example.com:8443"}


def test_a_name_rebound_to_a_private_address_after_the_check_is_refused_at_send() -> None:
    answers = iter([resolves_to("93.184.215.14"), resolves_to("169.254.169.254")])

    def rebinding(*args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        return list(next(answers)(*args, **kwargs))

    url = check_url("https://hooks.example.com/in", strict=True, resolve=rebinding)
    with pytest.raises(UrlRefused, match="public address"):
        pinned_request(url, strict=True, resolve=rebinding)


def test_locally_a_send_goes_to_the_url_as_it_is() -> None:
    pinned = pinned_request("http://127.0.0.1:8765/hook?x=1", strict=False)

    assert pinned == ("http://127.0.0.1:8765/hook?x=1", {}, {})
