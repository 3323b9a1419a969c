"""Plain-text e-mail through SES (sesv2 SendEmail), from the product's notification sender
(an identity verified in the account; the local runtime keeps what it accepts in its
outbox). Only functions the registry marks `sends_email` may call it."""

from __future__ import annotations

from shared.aws import client
from shared.settings import get_settings

MAX_SUBJECT_CHARS = 200


def send_text(address: str, subject: str, body: str) -> None:
    """One message to `address`; SES's refusal is raised as botocore's error."""
    client("sesv2").send_email(
        FromEmailAddress=get_settings().notification_sender,
        Destination={"ToAddresses": [address]},
        Content={
            "Simple": {
                "Subject": {"Data": subject[:MAX_SUBJECT_CHARS], "Charset": "UTF-8"},
                "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
            }
        },
    )
