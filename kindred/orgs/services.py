"""Organization writes: create, branding, members, admin invitations, allowed domains, and the
DNS proofs that make a custom domain or an allowed email domain count."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from django_tasks import task

from kindred.accounts.models import User
from kindred.accounts.selectors import email_domain, verified_emails
from kindred.lib.dns_txt import DnsLookupFailed, txt_records
from kindred.lib.images import CheckedImage
from kindred.lib.webmail import is_public_email_domain
from kindred.orgs.mail import org_email_send
from kindred.orgs.models import (
    AllowedDomain,
    DomainProof,
    Membership,
    Organization,
    OrgInvitation,
    Role,
    challenge_record_name,
)
from kindred.orgs.selectors import absolute_url, admin_email_at, is_site_host

# The sweep looks again at a pending domain this long after its last check.
DOMAIN_RECHECK = timedelta(minutes=15)
DOMAIN_TAKEN = "Another organization has already proven this domain."

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
    """Change the organization's name and white-label branding. A new custom domain is pending
    (used nowhere) until its DNS proof is found; the worker looks for it at once."""
    custom_domain = custom_domain.strip().lower().rstrip(".")
    if custom_domain and is_site_host(custom_domain):
        raise ValidationError(
            {"custom_domain": f"{custom_domain} is this site's own address; use a domain of yours."}
        )
    # Compared with the stored value: a bound form has already copied its input onto the instance.
    stored = Organization.objects.select_for_update().values_list("custom_domain", flat=True)
    domain_changed = custom_domain != stored.get(pk=organization.pk)
    organization.name = name.strip()
    organization.email_display_name = email_display_name.strip()
    organization.primary_colour = primary_colour.lower()
    if domain_changed:
        organization.custom_domain = custom_domain
        organization.custom_domain_verified_at = None
        organization.custom_domain_checked_at = None
        organization.custom_domain_check_message = ""
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
    if domain_changed and custom_domain:
        custom_domain_check_request(organization=organization)
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
    """Offer the organization to people with a verified email at `domain`. It counts at once when
    one of the organization's administrators has a verified email there; otherwise it waits for
    the DNS proof, which the worker looks for at once."""
    domain = domain.strip().lower().lstrip("@").rstrip(".")
    allowed = AllowedDomain(organization=organization, domain=domain)
    allowed.full_clean(exclude=["organization"])
    if is_public_email_domain(domain):
        raise ValidationError(
            {
                "domain": f"{domain} is a public email provider: anyone can have an address there. "
                "List your organization's own domain."
            }
        )
    if AllowedDomain.objects.filter(organization=organization, domain__iexact=domain).exists():
        raise ValidationError({"domain": f"{domain} is already allowed."})
    if admin_email_at(organization, domain):
        allowed.verified_at = timezone.now()
        allowed.proof = DomainProof.ADMIN_EMAIL
    try:
        with transaction.atomic():
            allowed.save()
    except IntegrityError as exc:  # a concurrent add of the same domain
        raise ValidationError({"domain": f"{domain} is already allowed."}) from exc
    if allowed.verified_at is None:
        allowed_domain_check_request(allowed_domain=allowed)
    return allowed


@transaction.atomic
def allowed_domain_remove(*, allowed_domain: AllowedDomain) -> None:
    allowed_domain.delete()


def joinable_organizations(user: User) -> list[Organization]:
    """Organizations whose proven allowed domains match one of the user's verified emails."""
    domains = {email_domain(e) for e in verified_emails(user)}
    if not domains:
        return []
    return list(
        Organization.objects.filter(
            allowed_domains__domain__in=domains, allowed_domains__verified_at__isnull=False
        )
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


# Proofs of domain control. The lookup runs in the worker, outside any transaction (it can take
# seconds); its result is written in a short one, and only if the domain did not change meanwhile.


def _dns_proof(domain: str, token: str) -> tuple[bool, str]:
    """Whether _kindred-challenge.<domain> publishes `token`, and if not, what to do about it."""
    name = challenge_record_name(domain)
    try:
        values = txt_records(name, nameservers=settings.DNS_NAMESERVERS, timeout=settings.DNS_TIMEOUT)
    except DnsLookupFailed as exc:
        return False, f"Could not look up {name}: {exc}. Kindred will try again in a few minutes."
    if token in (value.strip() for value in values):
        return True, ""
    if not values:
        return False, (
            f"No TXT record found at {name} yet. New DNS records can take up to an hour to appear; "
            "Kindred keeps checking."
        )
    return (
        False,
        f"The TXT record at {name} does not hold this organization's token. Set its value to {token}.",
    )


def custom_domain_check_request(*, organization: Organization) -> None:
    """Ask the worker to look for the custom domain's DNS proof (the “Check now” button)."""
    organization_id = organization.pk
    transaction.on_commit(lambda: check_custom_domain.enqueue(organization_id))


def allowed_domain_check_request(*, allowed_domain: AllowedDomain) -> None:
    """Ask the worker to look for the allowed email domain's proof."""
    allowed_domain_id = allowed_domain.pk
    transaction.on_commit(lambda: check_allowed_domain.enqueue(allowed_domain_id))


def custom_domain_check(*, organization_id: int) -> Organization | None:
    """Look for the custom domain's DNS proof and record the outcome: verified, or still pending
    with a message saying why. A proven domain is used from then on."""
    org = Organization.objects.filter(pk=organization_id).first()
    if org is None or not org.custom_domain or org.custom_domain_verified_at:
        return org
    domain = org.custom_domain
    proven, message = _dns_proof(domain, org.domain_token)
    if proven and is_site_host(domain):
        proven, message = False, f"{domain} is this site's own address and cannot be an organization's."
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=organization_id)
        if org.custom_domain != domain or org.custom_domain_verified_at:
            return org  # changed or proven while we looked
        proven_elsewhere = Organization.objects.filter(
            custom_domain=domain, custom_domain_verified_at__isnull=False
        ).exclude(pk=org.pk)
        if proven and proven_elsewhere.exists():
            proven, message = False, DOMAIN_TAKEN
        now = timezone.now()
        outcome = {
            "custom_domain_checked_at": now,
            "custom_domain_check_message": message,
            "custom_domain_verified_at": now if proven else None,
        }
        this_org = Organization.objects.filter(pk=org.pk)
        try:
            with transaction.atomic():
                this_org.update(**outcome)
        except IntegrityError:  # another organization proved it at the same moment
            this_org.update(
                **outcome | {"custom_domain_verified_at": None, "custom_domain_check_message": DOMAIN_TAKEN}
            )
    org.refresh_from_db()
    return org


def allowed_domain_check(*, allowed_domain_id: int) -> AllowedDomain | None:
    """Prove an allowed email domain: an administrator's verified email there, or the DNS record."""
    allowed = AllowedDomain.objects.select_related("organization").filter(pk=allowed_domain_id).first()
    if allowed is None or allowed.verified_at:
        return allowed
    org = allowed.organization
    if admin_email_at(org, allowed.domain):
        proof, proven, message = DomainProof.ADMIN_EMAIL, True, ""
    else:
        proven, message = _dns_proof(allowed.domain, org.domain_token)
        proof = DomainProof.DNS
    now = timezone.now()
    changes = {"checked_at": now, "check_message": message}
    if proven:
        changes |= {"verified_at": now, "proof": proof}
    AllowedDomain.objects.filter(pk=allowed.pk, verified_at=None).update(**changes)
    allowed.refresh_from_db()
    return allowed


@transaction.atomic
def allowed_domains_prove(*, user: User, email: str) -> int:
    """`user` has just verified `email`: the pending allowed domains at its domain of every
    organization they administer count from now on."""
    now = timezone.now()
    return AllowedDomain.objects.filter(
        domain=email_domain(email),
        verified_at=None,
        organization__memberships__user=user,
        organization__memberships__role=Role.ADMIN,
    ).update(verified_at=now, checked_at=now, check_message="", proof=DomainProof.ADMIN_EMAIL)


@task()
def check_custom_domain(organization_id: int) -> None:
    custom_domain_check(organization_id=organization_id)


@task()
def check_allowed_domain(allowed_domain_id: int) -> None:
    allowed_domain_check(allowed_domain_id=allowed_domain_id)


def domains_check_pending() -> int:
    """For the sweep: queue a check of every pending domain not looked at in DOMAIN_RECHECK. Each
    row is claimed with a conditional UPDATE, so two sweeps never queue the same check twice."""
    now = timezone.now()
    due = Q(checked_at=None) | Q(checked_at__lt=now - DOMAIN_RECHECK)
    queued = 0
    orgs = Organization.objects.exclude(custom_domain="").filter(custom_domain_verified_at=None)
    org_due = Q(custom_domain_checked_at=None) | Q(custom_domain_checked_at__lt=now - DOMAIN_RECHECK)
    for pk, last in orgs.filter(org_due).values_list("pk", "custom_domain_checked_at")[:500]:
        if Organization.objects.filter(pk=pk, custom_domain_checked_at=last).update(
            custom_domain_checked_at=now
        ):
            check_custom_domain.enqueue(pk)
            queued += 1
    for pk, last in AllowedDomain.objects.filter(due, verified_at=None).values_list("pk", "checked_at")[:500]:
        if AllowedDomain.objects.filter(pk=pk, checked_at=last).update(checked_at=now):
            check_allowed_domain.enqueue(pk)
            queued += 1
    return queued
