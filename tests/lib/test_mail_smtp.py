"""The real path of an email: a service queues it, the database worker delivers it over SMTP
to a real server (aiosmtpd on localhost)."""

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from kindred.orgs.services import org_invitation_create


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):  # type: ignore[no-untyped-def]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    yield inbox
    controller.stop()


@pytest.mark.django_db(transaction=True)
def test_invitation_reaches_a_real_smtp_server_through_the_worker(smtp_server, acme, alice):
    invitation = org_invitation_create(organization=acme, by=alice, email="dana@example.test", role="admin")
    assert smtp_server.messages == []  # queued, not sent inline
    assert DBTaskResult.objects.count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay")
    [message] = smtp_server.messages
    assert message["To"] == "dana@example.test"
    assert "invited you to Acme" in message["Subject"]
    text = message.get_payload()[0].get_payload(decode=True).decode()
    assert f"/invitations/{invitation.token}/" in text
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
