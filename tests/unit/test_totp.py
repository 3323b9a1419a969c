"""TOTP as RFC 6238 defines it: the Appendix B vectors, the drift allowed, the codes refused."""

from __future__ import annotations

import base64

import pyotp
import pytest

from shared.identity import totp

# RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
STEP = 30
# A step either side of the first vector (t = 59) reaches before the epoch: pyotp refuses it.
LATER_VECTORS = RFC_VECTORS[1:]


def in_digits_from(zero: int, code: str) -> str:
    """`code` written with the digits of another script, whose zero is `zero`."""
    return "".join(chr(zero + int(digit)) for digit in code)


@pytest.mark.parametrize(("moment", "expected"), RFC_VECTORS)
def test_pyotp_matches_the_rfc_6238_vectors(moment: int, expected: str) -> None:
    assert pyotp.TOTP(RFC_SECRET, digits=8).at(moment) == expected


@pytest.mark.parametrize(("moment", "expected"), RFC_VECTORS)
def test_the_six_digit_code_of_a_vector_matches_its_own_step(moment: int, expected: str) -> None:
    six_digits = f"{int(expected) % 10**6:06d}"

    assert six_digits == expected[-6:]
    assert totp.matching_step(RFC_SECRET, six_digits, now=moment) == moment // STEP


@pytest.mark.parametrize(("moment", "expected"), LATER_VECTORS)
@pytest.mark.parametrize("drift", [-1, 1])
def test_one_step_of_clock_drift_either_way_is_accepted(
    moment: int, expected: str, drift: int
) -> None:
    code = expected[-6:]

    assert totp.matching_step(RFC_SECRET, code, now=moment - drift * STEP) == moment // STEP


@pytest.mark.parametrize(("moment", "expected"), LATER_VECTORS)
@pytest.mark.parametrize("drift", [-2, 2])
def test_two_steps_of_clock_drift_are_refused(moment: int, expected: str, drift: int) -> None:
    code = expected[-6:]

    assert totp.matching_step(RFC_SECRET, code, now=moment - drift * STEP) is None


def test_a_code_of_the_current_step_matches_without_a_given_time() -> None:
    secret = totp.new_secret()
    device = pyotp.TOTP(secret)

    assert totp.matching_step(secret, device.now()) is not None


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("", id="empty"),
        pytest.param("28708a", id="letter"),
        pytest.param(" 28708", id="space"),
        pytest.param("-28708", id="sign"),
        pytest.param("287 82", id="inner-space"),
        pytest.param("28708.", id="dot"),
    ],
)
def test_a_code_that_is_not_all_digits_is_refused(code: str) -> None:
    assert totp.matching_step(RFC_SECRET, code, now=59) is None


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(in_digits_from(0xFF10, "287082"), id="fullwidth"),
        pytest.param(in_digits_from(0x0660, "287082"), id="arabic-indic"),
        pytest.param("28708\u00b2", id="superscript"),
    ],
)
def test_a_code_of_non_ascii_digits_is_refused(code: str) -> None:
    assert totp.matching_step(RFC_SECRET, code, now=59) is None


def test_the_provisioning_uri_names_issuer_account_and_secret() -> None:
    secret = totp.new_secret()

    uri = totp.provisioning_uri(secret, "ada@example.com")

    parsed = pyotp.parse_uri(uri)
    assert uri.startswith("otpauth://totp/")
    assert parsed.issuer == totp.ISSUER
    assert parsed.name == "ada@example.com"
    assert parsed.secret == secret
