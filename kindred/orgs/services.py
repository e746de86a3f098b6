"""Organization writes: create, branding, members, admin invitations, allowed domains."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from kindred.accounts.models import User
from kindred.accounts.selectors import email_domain, verified_emails
from kindred.lib.images import CheckedImage
from kindred.orgs.mail import org_email_send
from kindred.orgs.models import AllowedDomain, Membership, Organization, OrgInvitation, Role
from kindred.orgs.selectors import absolute_url

RESERVED_SLUGS = {"new", "admin", "api", "accounts", "static", "invitations", "o", "p"}


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "organization"
    if base in RESERVED_SLUGS:
        base = f"{base}-org"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def organization_create(*, user: User, name: str) -> Organization:
    """Create an organization; its creator becomes its first administrator."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the organization a name."})
    org = Organization.objects.create(name=name, slug=_unique_slug(name), email_display_name=name)
    Membership.objects.create(organization=org, user=user, role=Role.ADMIN)
    return org


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    name: str,
    email_display_name: str,
    primary_colour: str,
    custom_domain: str,
    logo: CheckedImage | None = None,
    remove_logo: bool = False,
) -> Organization:
    """Change the organization's name and white-label branding."""
    organization.name = name.strip()
    organization.email_display_name = email_display_name.strip()
    organization.primary_colour = primary_colour.lower()
    organization.custom_domain = custom_domain.strip().lower()
    if logo is not None:
        organization.logo = logo.data
        organization.logo_content_type = logo.content_type
        organization.logo_version = F("logo_version") + 1
    elif remove_logo:
        organization.logo = None
        organization.logo_content_type = ""
    organization.full_clean(exclude=["logo_version"])
    organization.save()
    organization.refresh_from_db()
    return organization


def _invitation_email(invitation: OrgInvitation) -> None:
    org = invitation.organization
    org_email_send(
        org,
        template_dir="orgs/email/invitation",
        to=[invitation.email],
        context={
            "organization": org,
            "invitation": invitation,
            "accept_url": absolute_url(invitation.get_absolute_url(), org),
        },
    )


@transaction.atomic
def org_invitation_create(*, organization: Organization, by: User, email: str, role: str) -> OrgInvitation:
    """Invite someone by email to administer the organization or manage its programs.

    A pending invitation to the same address is replaced, so only the newest link works."""
    email = email.strip().lower()
    if role not in (Role.ADMIN, Role.PROGRAM_MANAGER):
        raise ValidationError({"role": "Invite an administrator or a program manager."})
    existing = Membership.objects.filter(organization=organization, user__email__iexact=email).first()
    if existing is not None and existing.role == Role.ADMIN:
        raise ValidationError({"email": f"{email} is already an administrator."})
    if existing is not None and existing.role == role:
        raise ValidationError({"email": f"{email} is already a {existing.get_role_display().lower()}."})
    now = timezone.now()
    OrgInvitation.objects.filter(
        organization=organization, email__iexact=email, accepted_at=None, revoked_at=None
    ).update(revoked_at=now)
    invitation = OrgInvitation.objects.create(
        organization=organization, email=email, role=role, invited_by=by
    )
    _invitation_email(invitation)
    return invitation


@transaction.atomic
def org_invitation_revoke(*, invitation: OrgInvitation) -> None:
    if invitation.status != "pending":
        raise ValidationError("Only a pending invitation can be revoked.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def org_invitation_accept(*, token: str, user: User) -> Membership:
    """Use an invitation link: single use, before it expires, by the person it was sent to."""
    invitation = OrgInvitation.objects.select_for_update().filter(token=token).first()
    if invitation is None:
        raise ValidationError("This invitation link is not valid.")
    status = invitation.status
    if status == "accepted":
        raise ValidationError("This invitation has already been used.")
    if status == "revoked":
        raise ValidationError("This invitation was withdrawn. Ask an administrator for a new one.")
    if status == "expired":
        raise ValidationError("This invitation has expired. Ask an administrator for a new one.")
    if (
        invitation.email.lower() not in verified_emails(user)
        and invitation.email.lower() != user.email.lower()
    ):
        raise ValidationError(
            f"This invitation was sent to {invitation.email}. Log in with that address to accept it."
        )
    membership, created = Membership.objects.get_or_create(
        organization=invitation.organization, user=user, defaults={"role": invitation.role}
    )
    if not created and membership.role != Role.ADMIN:
        membership.role = invitation.role
        membership.save(update_fields=["role"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def allowed_domain_add(*, organization: Organization, domain: str) -> AllowedDomain:
    domain = domain.strip().lower().lstrip("@")
    allowed = AllowedDomain(organization=organization, domain=domain)
    allowed.full_clean(exclude=["organization"])
    if AllowedDomain.objects.filter(organization=organization, domain__iexact=domain).exists():
        raise ValidationError({"domain": f"{domain} is already allowed."})
    try:
        allowed.save()
    except IntegrityError as exc:  # a concurrent add of the same domain
        raise ValidationError({"domain": f"{domain} is already allowed."}) from exc
    return allowed


@transaction.atomic
def allowed_domain_remove(*, allowed_domain: AllowedDomain) -> None:
    allowed_domain.delete()


def joinable_organizations(user: User) -> list[Organization]:
    """Organizations whose allowed domains match one of the user's verified emails."""
    domains = {email_domain(e) for e in verified_emails(user)}
    if not domains:
        return []
    return list(
        Organization.objects.filter(allowed_domains__domain__in=domains)
        .exclude(memberships__user=user)
        .distinct()
    )


@transaction.atomic
def organization_join(*, organization: Organization, user: User) -> Membership:
    """Join as a member, allowed when a verified email is at one of the organization's domains."""
    if organization not in joinable_organizations(user):
        if Membership.objects.filter(organization=organization, user=user).exists():
            raise ValidationError(f"You are already a member of {organization.name}.")
        raise ValidationError(f"Your verified email addresses do not let you join {organization.name}.")
    membership, _ = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": Role.MEMBER}
    )
    return membership


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": "Unknown role."})
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.ADMIN and role != Role.ADMIN:
        _ensure_another_admin(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.ADMIN:
        _ensure_another_admin(membership)
    membership.delete()


def _ensure_another_admin(membership: Membership) -> None:
    others = (
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Role.ADMIN)
        .exclude(pk=membership.pk)
    )
    if not others.exists():
        raise ValidationError("An organization needs at least one administrator.")
