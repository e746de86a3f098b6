"""Organization writes: create, branding, members, admin invitations, allowed domains, and the
DNS proofs that make a custom domain or an allowed email domain count."""

from datetime import datetime, timedelta

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
    Removal,
    Role,
    challenge_record_name,
)
from kindred.orgs.selectors import absolute_url, admin_email_at, is_site_host

# The sweep looks again at a pending domain every DOMAIN_RECHECK in its first day, then every
# DOMAIN_RECHECK_LATER, and stops after DOMAIN_CHECK_DAYS (the "Check now" button still works);
# "Check now" runs at most once per CHECK_NOW_INTERVAL. Each check is a DNS lookup in the worker
# every tenant shares, so no organization may ask for an unbounded number of them.
DOMAIN_RECHECK = timedelta(minutes=15)
DOMAIN_RECHECK_LATER = timedelta(hours=1)
DOMAIN_CHECK_FAST = timedelta(days=1)
DOMAIN_CHECK_DAYS = timedelta(days=7)
CHECK_NOW_INTERVAL = timedelta(minutes=1)
MAX_ALLOWED_DOMAINS = 20
DOMAIN_TAKEN = "Another organization has already proven this domain."
CHECKS_STOPPED = (
    "Kindred stopped checking by itself after 7 days: press “Check now” once the record is published."
)
CHECKED_JUST_NOW = "Checked less than a minute ago; wait a minute before checking again."

# Written only by the proof check (and reset when the domain changes), never from a form's instance.
CUSTOM_DOMAIN_PROOF = ("custom_domain_verified_at", "custom_domain_checked_at", "custom_domain_check_message")

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
    # Read under the lock: the instance the view loaded (and the bound form changed) may be stale,
    # so the domain is compared with, and its proof taken from, the stored row only.
    stored = (
        Organization.objects.select_for_update()
        .filter(pk=organization.pk)
        .values("custom_domain", *CUSTOM_DOMAIN_PROOF)
        .get()
    )
    domain_changed = custom_domain != stored["custom_domain"]
    if domain_changed and custom_domain and _custom_domain_proven_elsewhere(organization, custom_domain):
        raise ValidationError({"custom_domain": DOMAIN_TAKEN})
    organization.name = name.strip()
    organization.email_display_name = email_display_name.strip()
    organization.primary_colour = primary_colour.lower()
    organization.custom_domain = custom_domain
    fields = ["name", "email_display_name", "primary_colour", "custom_domain"]
    if domain_changed:
        organization.custom_domain_verified_at = None
        organization.custom_domain_checked_at = None
        organization.custom_domain_check_message = ""
        organization.custom_domain_changed_at = timezone.now()
        fields += [*CUSTOM_DOMAIN_PROOF, "custom_domain_changed_at"]
    else:
        for field in CUSTOM_DOMAIN_PROOF:  # never written back: the worker owns them
            setattr(organization, field, stored[field])
    if logo is not None:
        organization.logo = logo.data
        organization.logo_content_type = logo.content_type
        organization.logo_version = F("logo_version") + 1
        fields += ["logo", "logo_content_type", "logo_version"]
    elif remove_logo:
        organization.logo = None
        organization.logo_content_type = ""
        fields += ["logo", "logo_content_type"]
    organization.full_clean(exclude=["logo_version"])
    try:
        with transaction.atomic():
            organization.save(update_fields=fields)
    except IntegrityError as exc:  # proven by another organization since the check above
        raise ValidationError({"custom_domain": DOMAIN_TAKEN}) from exc
    organization.refresh_from_db()
    if domain_changed and custom_domain:
        custom_domain_check_request(organization=organization)
    return organization


def _custom_domain_proven_elsewhere(organization: Organization, domain: str) -> bool:
    return (
        Organization.objects.filter(custom_domain=domain, custom_domain_verified_at__isnull=False)
        .exclude(pk=organization.pk)
        .exists()
    )


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
    removal_lift(organization=invitation.organization, user=user)
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
    # Locked, so two concurrent adds cannot both pass the cap.
    Organization.objects.select_for_update().filter(pk=organization.pk).exists()
    if AllowedDomain.objects.filter(organization=organization, domain__iexact=domain).exists():
        raise ValidationError({"domain": f"{domain} is already allowed."})
    if AllowedDomain.objects.filter(organization=organization).count() >= MAX_ALLOWED_DOMAINS:
        raise ValidationError(
            {"domain": f"An organization can list at most {MAX_ALLOWED_DOMAINS} domains. Remove one first."}
        )
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


def self_join_domains(user: User) -> set[str]:
    """The domains of the user's verified emails that may let them join an organization by
    themselves: public webmail never does, even where an older row lists it."""
    domains = {email_domain(e) for e in verified_emails(user)}
    return {d for d in domains if not is_public_email_domain(d)}


def removed_at(*, organization_id: int, user: User) -> datetime | None:
    """When an administrator removed the user from the organization, unless invited back since."""
    return (
        Removal.objects.filter(organization_id=organization_id, user=user)
        .values_list("removed_at", flat=True)
        .first()
    )


def removed_message(organization: Organization) -> str:
    return (
        f"An administrator removed you from {organization.name}, so you cannot join again by "
        "yourself. Ask them for an invitation."
    )


def joinable_organizations(user: User) -> list[Organization]:
    """Organizations whose proven allowed domains match one of the user's verified emails, except
    those the user is a member of or was removed from."""
    domains = self_join_domains(user)
    if not domains:
        return []
    return list(
        Organization.objects.filter(
            allowed_domains__domain__in=domains, allowed_domains__verified_at__isnull=False
        )
        .exclude(memberships__user=user)
        .exclude(removals__user=user)
        .distinct()
    )


@transaction.atomic
def organization_join(*, organization: Organization, user: User) -> Membership:
    """Join as a member, allowed when a verified email is at one of the organization's domains
    and no administrator removed the user."""
    if organization not in joinable_organizations(user):
        if Membership.objects.filter(organization=organization, user=user).exists():
            raise ValidationError(f"You are already a member of {organization.name}.")
        if removed_at(organization_id=organization.pk, user=user):
            raise ValidationError(removed_message(organization))
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
    """Remove a person from the organization. They may not join again by themselves (allowed
    email domain) until the organization invites them."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.ADMIN:
        _ensure_another_admin(membership)
    membership.delete()
    Removal.objects.update_or_create(
        organization_id=membership.organization_id,
        user_id=membership.user_id,
        defaults={"removed_at": timezone.now()},
    )


@transaction.atomic
def removal_lift(*, organization: Organization, user: User) -> None:
    """The organization invited the person again (an admin invitation accepted, a program
    invitation used): the removal no longer stands in their way."""
    Removal.objects.filter(organization=organization, user=user).delete()


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


def _pending_message(message: str, since: datetime, now: datetime) -> str:
    if message and since < now - DOMAIN_CHECK_DAYS:
        message = f"{message} {CHECKS_STOPPED}"
    return message[:300]


def custom_domain_check_request(*, organization: Organization) -> None:
    """Ask the worker to look for the custom domain's DNS proof."""
    organization_id = organization.pk
    transaction.on_commit(lambda: check_custom_domain.enqueue(organization_id))


@transaction.atomic
def custom_domain_check_now(*, organization: Organization) -> None:
    """The “Check now” button: at most once a minute, claimed with a conditional UPDATE so that
    repeated presses queue one lookup."""
    now = timezone.now()
    recent = Q(custom_domain_checked_at__gte=now - CHECK_NOW_INTERVAL)
    claimed = (
        Organization.objects.filter(pk=organization.pk, custom_domain_verified_at=None)
        .exclude(custom_domain="")
        .exclude(recent)
        .update(custom_domain_checked_at=now)
    )
    if not claimed:
        raise ValidationError(CHECKED_JUST_NOW)
    custom_domain_check_request(organization=organization)


@transaction.atomic
def allowed_domain_check_now(*, allowed_domain: AllowedDomain) -> None:
    """The “Check now” button of an allowed email domain: at most once a minute."""
    now = timezone.now()
    claimed = (
        AllowedDomain.objects.filter(pk=allowed_domain.pk, verified_at=None)
        .exclude(checked_at__gte=now - CHECK_NOW_INTERVAL)
        .update(checked_at=now)
    )
    if not claimed:
        raise ValidationError(CHECKED_JUST_NOW)
    allowed_domain_check_request(allowed_domain=allowed_domain)


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
        message = _pending_message(message, org.custom_domain_changed_at, now)
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
    if is_public_email_domain(allowed.domain):  # a row from before public webmail was refused
        proof, proven = DomainProof.DNS, False
        message = f"{allowed.domain} is a public email provider: anyone can have an address there. Remove it."
    elif admin_email_at(org, allowed.domain):
        proof, proven, message = DomainProof.ADMIN_EMAIL, True, ""
    else:
        proven, message = _dns_proof(allowed.domain, org.domain_token)
        proof = DomainProof.DNS
    now = timezone.now()
    changes = {"checked_at": now, "check_message": _pending_message(message, allowed.added_at, now)}
    if proven:
        changes |= {"verified_at": now, "proof": proof}
    AllowedDomain.objects.filter(pk=allowed.pk, verified_at=None).update(**changes)
    allowed.refresh_from_db()
    return allowed


@transaction.atomic
def allowed_domains_prove(*, user: User, email: str) -> int:
    """`user` has just verified `email`: the pending allowed domains at its domain of every
    organization they administer count from now on. Public webmail proves nothing."""
    domain = email_domain(email)
    if is_public_email_domain(domain):
        return 0
    now = timezone.now()
    return AllowedDomain.objects.filter(
        domain=domain,
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


def _due(checked: str, since: str, now: datetime) -> Q:
    """Pending rows the sweep should look at again: every DOMAIN_RECHECK in their first day, then
    every DOMAIN_RECHECK_LATER; past DOMAIN_CHECK_DAYS once more (its message then says checks
    stopped), then never."""
    never = Q(**{f"{checked}__isnull": True})
    fast = Q(**{f"{since}__gte": now - DOMAIN_CHECK_FAST, f"{checked}__lt": now - DOMAIN_RECHECK})
    slow = Q(
        **{
            f"{since}__lt": now - DOMAIN_CHECK_FAST,
            f"{since}__gte": now - DOMAIN_CHECK_DAYS,
            f"{checked}__lt": now - DOMAIN_RECHECK_LATER,
        }
    )
    last = Q(**{f"{since}__lt": now - DOMAIN_CHECK_DAYS, f"{checked}__lt": F(since) + DOMAIN_CHECK_DAYS})
    return never | fast | slow | last


def domains_check_pending() -> int:
    """For the sweep: queue a check of every pending domain that is due (see _due). Each row is
    claimed with a conditional UPDATE, so two sweeps never queue the same check twice."""
    now = timezone.now()
    queued = 0
    orgs = Organization.objects.exclude(custom_domain="").filter(custom_domain_verified_at=None)
    org_due = _due("custom_domain_checked_at", "custom_domain_changed_at", now)
    for pk, last in orgs.filter(org_due).values_list("pk", "custom_domain_checked_at")[:500]:
        if Organization.objects.filter(pk=pk, custom_domain_checked_at=last).update(
            custom_domain_checked_at=now
        ):
            check_custom_domain.enqueue(pk)
            queued += 1
    allowed_due = AllowedDomain.objects.filter(_due("checked_at", "added_at", now), verified_at=None)
    for pk, last in allowed_due.values_list("pk", "checked_at")[:500]:
        if AllowedDomain.objects.filter(pk=pk, checked_at=last).update(checked_at=now):
            check_allowed_domain.enqueue(pk)
            queued += 1
    return queued
