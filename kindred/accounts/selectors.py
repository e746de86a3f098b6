from allauth.account.models import EmailAddress

from kindred.accounts.models import User


def verified_emails(user: User) -> set[str]:
    """The addresses this person has proven they own (lower case)."""
    return {
        e.lower()
        for e in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    }


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()
