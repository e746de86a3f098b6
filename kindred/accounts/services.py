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
    """Save a person's profile; a new photo replaces the old one (and changes its URL)."""
    user.name = name.strip()
    user.job_title = job_title.strip()
    user.department = department.strip()
    user.time_zone = time_zone
    user.manager_email = manager_email.strip().lower()
    if photo is not None:
        user.photo = photo.data
        user.photo_content_type = photo.content_type
        user.photo_version = F("photo_version") + 1
    elif remove_photo:
        user.photo = None
        user.photo_content_type = ""
    user.full_clean(exclude=["password", "photo_version"])
    user.save()
    user.refresh_from_db()
    return user
