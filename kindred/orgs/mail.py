"""Email sent on behalf of an organization: its sender name and its branding on every message."""

from collections.abc import Mapping, Sequence
from typing import Any

from kindred.lib.mail import email_send
from kindred.orgs.models import Organization
from kindred.orgs.selectors import email_branding


def org_email_send(
    organization: Organization, *, template_dir: str, to: Sequence[str], context: Mapping[str, Any]
) -> None:
    """`email_send` from the organization's sender name, with its branding in the context."""
    email_send(
        template_dir=template_dir,
        to=to,
        from_name=organization.sender_name,
        context={**email_branding(organization), **context},
    )
