from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.urls import reverse
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: logs in with their email. Profile fields live here (one row, no join)."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    job_title = models.CharField(max_length=150, blank=True)
    department = models.CharField(max_length=150, blank=True)
    manager_email = models.EmailField(
        "manager's email",
        blank=True,
        help_text="Who you report to. Programs can keep you apart from your reporting line when pairing.",
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    photo = models.BinaryField(null=True, blank=True, editable=False)
    photo_content_type = models.CharField(max_length=40, blank=True, editable=False)
    photo_version = models.PositiveIntegerField(default=0, editable=False)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # An import may keep the profile of the accounts its organization created, and only those.
    created_by_organization = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("name", "email")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]

    @property
    def initials(self) -> str:
        parts = self.display_name.replace(".", " ").split()
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    @property
    def photo_url(self) -> str:
        if not self.photo_content_type:
            return ""
        return reverse("accounts:photo", args=[self.pk, self.photo_version])
