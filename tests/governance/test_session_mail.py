"""Session e-mails through a real SMTP server (aiosmtpd) started by the test, not the locmem box."""

from __future__ import annotations

import datetime as dt
import email
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from governance import services
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts, parsed."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


def _body(message: Message) -> str:
    part = message.get_payload(decode=True)
    assert isinstance(part, bytes)
    return part.decode(message.get_content_charset() or "utf-8")


def test_the_convocation_arrives_over_smtp_in_each_language(
    smtp, django_capture_on_commit_callbacks
):
    """Every delegate's convocation reaches the SMTP server, with the agenda and unsubscribe link."""
    # given
    c5 = make_council5()
    c5.heads["FR"].preferred_language = "fr"
    c5.heads["FR"].save()
    start = timezone.now() + dt.timedelta(days=30)
    session = services.session_create(
        actor=c5.sec,
        council=c5.council,
        title="Spring session",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=6),
        place="Genève",
    )
    services.agenda_item_add(actor=c5.sec, session=session, title="Report of the Director")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.session_convene(actor=c5.sec, session=session)
    # then
    received = {to[0]: message for to, message in smtp.messages}
    assert sorted(received) == sorted(h.email for h in c5.heads.values())
    french = received[c5.heads["FR"].email]
    subject = str(email.header.make_header(email.header.decode_header(french["Subject"])))
    assert c5.council.name_fr in subject
    body = _body(french)
    assert "1. Report of the Director" in body
    assert "Genève" in body
    assert "/sessions/unsubscribe/" in body
    # the same link as a header, for mail programs' own unsubscribe button
    link = "".join(str(french["List-Unsubscribe"]).split()).strip("<>")
    assert "/sessions/unsubscribe/" in link and link in body
