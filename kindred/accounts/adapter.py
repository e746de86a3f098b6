from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.mail import EmailMultiAlternatives

from kindred.lib.mail import email_queue, from_address


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails (verification, password reset) go through the worker like every other
    email, and carry the organization's name when sent from its custom domain."""

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        request = context.get("request") or getattr(self, "request", None)
        org = getattr(request, "host_organization", None) if request is not None else None
        ctx = {"email": email, "brand": org or None, **context}
        msg = self.render_mail(template_prefix, email, ctx)
        if org:
            msg.from_email = from_address(org.sender_name)
        if not isinstance(msg, EmailMultiAlternatives):
            msg = EmailMultiAlternatives(
                msg.subject, msg.body, msg.from_email, msg.to, headers=msg.extra_headers
            )
        email_queue(msg)
