from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import F

from kindred.accounts.models import User
from kindred.lib.images import CheckedImage


@transaction.atomic
def profile_update(
    *,
    user: User,
    name: str,
    job_title: str,
    department: str,
    time_zone: str,
    manager_email: str = "",
    photo: CheckedImage | None = None,
    remove_photo: bool = False,
) -> User:
    """Save a person's profile; a new photo replaces the old one (and changes its URL). The facts
    pairing reads that the person changed become theirs in every organization: each membership's
    own copy of them is cleared, so it reads the profile again."""
    facts = {"job_title": job_title.strip(), "department": department.strip()}
    facts["manager_email"] = manager_email.strip().lower()
    # Compared with what is stored: a ModelForm has already set the new values on `user`.
    stored = User.objects.filter(pk=user.pk).values(*facts).first() or {}
    changed = [fact for fact, value in facts.items() if value != stored.get(fact)]
    user.name = name.strip()
    user.job_title = facts["job_title"]
    user.department = facts["department"]
    user.time_zone = time_zone
    user.manager_email = facts["manager_email"]
    if photo is not None:
        user.photo = photo.data
        user.photo_content_type = photo.content_type
        user.photo_version = F("photo_version") + 1
    elif remove_photo:
        user.photo = None
        user.photo_content_type = ""
    user.full_clean(exclude=["password", "photo_version"])
    user.save()
    if changed:
        user.memberships.update(**dict.fromkeys(changed, ""))
    user.refresh_from_db()
    return user


@transaction.atomic
def welcome_complete(*, user: User, password: str) -> User:
    """The person followed the welcome link sent to their address: that proves they own it."""
    user.set_password(password)
    user.save(update_fields=["password"])
    address, _ = EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"primary": True, "verified": True}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    return user
