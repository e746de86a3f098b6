from typing import Any

from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "kindred.orgs"
    label = "orgs"

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed

        email_confirmed.connect(_email_confirmed, dispatch_uid="orgs.allowed_domains_prove")


def _email_confirmed(sender: Any, email_address: Any, **kwargs: Any) -> None:
    # An administrator who just proved an address proves their organization's domain there at once.
    from kindred.orgs.services import allowed_domains_prove

    allowed_domains_prove(user=email_address.user, email=email_address.email)
