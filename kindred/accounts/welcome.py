"""Welcome links for accounts someone else created (an admin's import): the link, sent to the
person's address, lets them choose a password and proves they own the address.

A link is a signed, timestamped token naming the user and a digest of their current password
hash and email: it works for WELCOME_DAYS and stops working once a password is set (the hash
changes), so it is single use without storing anything."""

import hashlib
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse

from kindred.accounts.models import User

WELCOME_DAYS = 14
_SALT = "kindred.accounts.welcome"


def _state(user: User) -> str:
    return hashlib.sha256(f"{user.password}|{user.email.lower()}".encode()).hexdigest()[:20]


def welcome_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "s": _state(user)}, salt=_SALT)


def welcome_path(user: User, next_path: str = "") -> str:
    path = reverse("accounts:welcome", args=[welcome_token(user)])
    return f"{path}?{urlencode({'next': next_path})}" if next_path else path


def welcome_user(token: str) -> User | None:
    """The user a token was made for, or None when it is forged, expired or already used."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=WELCOME_DAYS * 24 * 3600)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None or data.get("s") != _state(user):
        return None
    return user
