from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from kindred.lib.mail import email_queue


def kindred_site() -> SimpleNamespace:
    """What allauth's emails call the site: "Hello from Kindred!", "an account on <SITE_URL host>"."""
    return SimpleNamespace(name="Kindred", domain=urlsplit(settings.SITE_URL).netloc)


def on_site_url(url: str) -> str:
    """The same link on Kindred's own SITE_URL, whatever host the request came in on."""
    parts = urlsplit(url)
    return settings.SITE_URL + urlunsplit(("", "", parts.path, parts.query, parts.fragment))


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails (verification, password reset) go through the worker like every other
    email. They are Kindred's, never an organization's: no tenant's sender name or branding,
    and their links on SITE_URL even when the request came in on a custom domain (whose owner
    could point it elsewhere and collect the keys)."""

    def get_reset_password_from_key_url(self, key: str) -> str:
        return on_site_url(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request: Any, emailconfirmation: Any) -> str:
        return on_site_url(super().get_email_confirmation_url(request, emailconfirmation))

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # allauth names the site from the request's host (blank when there is none): the mail
        # always names Kindred and the address people use to reach it.
        ctx = {"email": email, **context, "brand": None, "current_site": kindred_site()}
        msg = self.render_mail(template_prefix, email, ctx)
        if not isinstance(msg, EmailMultiAlternatives):
            msg = EmailMultiAlternatives(
                msg.subject, msg.body, msg.from_email, msg.to, headers=msg.extra_headers
            )
        email_queue(msg)
