import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

HEX_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1f6feb (a # and six hex digits).")
DOMAIN = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    "Enter a domain name like mentoring.example.com (lower case, no http:// and no path).",
)
NO_CONTROL_CHARACTERS = RegexValidator(
    r"^[^\x00-\x1f\x7f]*$", "Use letters, digits and punctuation only (no line breaks)."
)
DEFAULT_COLOUR = "#2f5fd0"
INVITATION_LIFETIME = timedelta(days=14)
# The DNS name whose TXT record proves that an organization controls a domain.
CHALLENGE_LABEL = "_kindred-challenge"


def challenge_record_name(domain: str) -> str:
    return f"{CHALLENGE_LABEL}.{domain}"


def _new_domain_token() -> str:
    return f"kindred-{secrets.token_urlsafe(24)}"


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    PROGRAM_MANAGER = "program_manager", "Program manager"
    MEMBER = "member", "Member"


STAFF_ROLES = {Role.ADMIN, Role.PROGRAM_MANAGER}


class Organization(models.Model):
    """The tenant: every other row of Kindred reaches exactly one organization."""

    name = models.CharField(max_length=120, validators=[NO_CONTROL_CHARACTERS])
    slug = models.SlugField(max_length=60, unique=True)
    email_display_name = models.CharField(
        "display name for emails",
        max_length=120,
        blank=True,
        validators=[NO_CONTROL_CHARACTERS],
        help_text="Shown as the sender of every email this organization sends, e.g. “Northwind Mentoring”.",
    )
    primary_colour = models.CharField(max_length=7, default=DEFAULT_COLOUR, validators=[HEX_COLOUR])
    logo = models.BinaryField(null=True, blank=True, editable=False)
    logo_content_type = models.CharField(max_length=40, blank=True, editable=False)
    logo_version = models.PositiveIntegerField(default=0, editable=False)
    custom_domain = models.CharField(
        max_length=253, blank=True, validators=[DOMAIN], help_text="Optional, e.g. mentoring.northwind.com."
    )
    # A custom domain (and an allowed email domain) is used only once its owner has published this
    # organization's token at _kindred-challenge.<domain>. One token per organization: the record
    # name already says which domain it proves.
    domain_token = models.CharField(max_length=64, default=_new_domain_token, editable=False)
    custom_domain_verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    custom_domain_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    custom_domain_check_message = models.CharField(max_length=300, blank=True, editable=False)
    # When the current custom domain was set: the sweep rechecks a pending one less often as it ages.
    custom_domain_changed_at = models.DateTimeField(default=timezone.now, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name",)
        constraints = [
            # Only a proven domain is exclusive, so nobody can block a domain by claiming it first.
            models.UniqueConstraint(
                fields=["custom_domain"],
                condition=~models.Q(custom_domain="") & models.Q(custom_domain_verified_at__isnull=False),
                name="org_custom_domain_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("programs:dashboard", args=[self.slug])

    @property
    def sender_name(self) -> str:
        return self.email_display_name or self.name

    @property
    def logo_url(self) -> str:
        if not self.logo_content_type:
            return ""
        return reverse("orgs:logo", args=[self.slug, self.logo_version])

    @property
    def verified_custom_domain(self) -> str:
        """The custom domain, once proven; until then it is used nowhere."""
        return self.custom_domain if self.custom_domain_verified_at else ""


class Membership(models.Model):
    """A person in an organization. The facts pairing reads (job title, department, manager's
    email) are kept per membership, so no organization can change what another sees: blank means
    "as the person's own profile says"; the organization that created the account may fill its
    own copy by import, and the person's own profile edit overrides every copy."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    job_title = models.CharField(max_length=150, blank=True)
    department = models.CharField(max_length=150, blank=True)
    manager_email = models.EmailField("manager's email", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("organization", "user")
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.get_role_display()})"


class Removal(models.Model):
    """An administrator removed this person from the organization: they may not join again by
    themselves (through an allowed email domain); an invitation from the organization lifts it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="removals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    removed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="removal_unique")]

    def __str__(self) -> str:
        return f"{self.user} removed from {self.organization}"


class DomainProof(models.TextChoices):
    DNS = "dns", "DNS record"
    ADMIN_EMAIL = "admin_email", "an administrator's verified email"


class AllowedDomain(models.Model):
    """People with a verified email at this domain may join the organization by themselves, once
    the organization has proven the domain is its own (`verified_at`)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="allowed_domains")
    domain = models.CharField(max_length=253, validators=[DOMAIN])
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    proof = models.CharField(max_length=20, choices=DomainProof.choices, blank=True, editable=False)
    checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    check_message = models.CharField(max_length=300, blank=True, editable=False)
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("domain",)
        constraints = [models.UniqueConstraint(Lower("domain"), "organization", name="allowed_domain_unique")]

    def __str__(self) -> str:
        return self.domain


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _default_expiry() -> datetime:
    return timezone.now() + INVITATION_LIFETIME


class OrgInvitation(models.Model):
    """An email invitation to become an administrator or program manager (single use, expires)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(
        max_length=20,
        choices=[
            (Role.ADMIN.value, Role.ADMIN.label),
            (Role.PROGRAM_MANAGER.value, Role.PROGRAM_MANAGER.label),
        ],
    )
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_default_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization}"

    def get_absolute_url(self) -> str:
        return reverse("orgs:invitation_accept", args=[self.token])

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class SkillKind(models.TextChoices):
    SKILL = "skill", "Skill"
    GOAL = "goal", "Goal"


class Skill(models.Model):
    """An entry of the organization's own skill list or goal list. Skill and goal questions,
    session logs and reports all use these lists."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="skills")
    kind = models.CharField(max_length=5, choices=SkillKind.choices)
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)
    archived = models.BooleanField(default=False, help_text="Hidden from new answers; kept for old ones.")

    class Meta:
        ordering = ("kind", "position", "name")
        constraints = [
            models.UniqueConstraint(Lower("name"), "organization", "kind", name="skill_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name
