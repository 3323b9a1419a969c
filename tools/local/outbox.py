"""The local runtime's e-mail outbox: every message the emulated SES accepted.

Notification e-mail goes through SES (sesv2 SendEmail) locally as deployed; moto keeps
what it accepted instead of sending it. Tests read it with `sent_mail()`; `make dev` also
writes each message as an `.eml` file under `.local/outbox/` (`keep_files`), which any mail
client or a text editor opens. Nothing leaves the machine.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from shared.settings import LOCAL_ACCOUNT_ID, Settings, get_settings

DEFAULT_DIRECTORY = Path(".local/outbox")


@dataclass(frozen=True, slots=True)
class Mail:
    message_id: str
    sender: str
    to: tuple[str, ...]
    subject: str
    body: str


def _backend(settings: Settings) -> Any:
    from moto.ses.models import ses_backends

    return ses_backends[LOCAL_ACCOUNT_ID][settings.aws_region]


def _mail(message: Any) -> Mail:
    destinations = message.destinations or {}
    return Mail(
        message_id=message.id,
        sender=message.source,
        to=tuple(destinations.get("ToAddresses", [])),
        subject=message.subject,
        body=message.body,
    )


def sent_mail(settings: Settings | None = None) -> list[Mail]:
    """Every simple message the emulated SES accepted so far, oldest first."""
    backend = _backend(settings or get_settings())
    return [_mail(m) for m in backend.sent_messages if hasattr(m, "subject")]


def keep_files(directory: Path = DEFAULT_DIRECTORY) -> Path:
    """From now on, also write each accepted message to `directory` as `<n>-<id>.eml`."""
    from moto.ses.models import SESBackend

    directory.mkdir(parents=True, exist_ok=True)
    numbers = itertools.count(len(list(directory.glob("*.eml"))) + 1)
    original = SESBackend.send_email

    def send_email(backend: Any, *args: Any, **kwargs: Any) -> Any:
        message = original(backend, *args, **kwargs)
        mail = _mail(message)
        eml = EmailMessage()
        eml["From"] = mail.sender
        eml["To"] = ", ".join(mail.to)
        eml["Subject"] = mail.subject
        eml["Message-ID"] = f"<{mail.message_id}@local.outbox>"
        eml.set_content(mail.body)
        (directory / f"{next(numbers):05d}-{mail.message_id}.eml").write_bytes(bytes(eml))
        return message

    SESBackend.send_email = send_email  # type: ignore[method-assign, assignment]
    return directory
