"""Outgoing email: every message is rendered from three templates, then queued for the worker.

Requests never talk to the mail server: `email_send` enqueues a django-tasks job after the
surrounding transaction commits, and the worker (`manage.py worker`) delivers it."""

from collections.abc import Mapping, Sequence
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django_tasks import task


def render_email(template_dir: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Render `<template_dir>/subject.txt`, `body.txt` and `body.html` (which gets `text_body`)."""
    ctx = dict(context)
    subject = " ".join(render_to_string(f"{template_dir}/subject.txt", ctx).split())
    text = render_to_string(f"{template_dir}/body.txt", ctx).strip() + "\n"
    # The HTML part may simply show the text part (escaped, links made clickable).
    html = render_to_string(f"{template_dir}/body.html", {**ctx, "text_body": text})
    return subject, text, html


def from_address(display_name: str = "") -> str:
    """DEFAULT_FROM_EMAIL's address with an organization's display name, when it has one."""
    default_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((display_name or default_name, address))


def email_send(
    *,
    template_dir: str,
    to: Sequence[str],
    context: Mapping[str, Any],
    from_name: str = "",
    headers: Mapping[str, str] | None = None,
) -> None:
    """Render an email now and deliver it from the worker once the current transaction commits."""
    subject, text, html = render_email(template_dir, context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_address(from_name),
        to=list(to),
        headers=dict(headers or {}),
    )
    message.attach_alternative(html, "text/html")
    email_queue(message)


def email_queue(message: EmailMultiAlternatives) -> None:
    """Hand a rendered message to the worker once the current transaction commits."""
    payload = {
        "subject": message.subject,
        "text": message.body,
        "html": next((body for body, kind in message.alternatives if kind == "text/html"), ""),
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
    }
    transaction.on_commit(lambda: deliver_email.enqueue(payload))


@task()
def deliver_email(payload: dict[str, Any]) -> None:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["text"],
        from_email=payload["from_email"],
        to=payload["to"],
        headers=payload["headers"],
    )
    if payload["html"]:
        message.attach_alternative(payload["html"], "text/html")
    message.send()
