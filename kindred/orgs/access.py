"""Access helpers: the only way views reach an Organization.

Another organization's objects are a 404 (we do not even confirm they exist); a member without
the needed role gets a 403. Superusers see everything."""

from dataclasses import dataclass
from typing import Literal, get_args

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kindred.accounts.models import User
from kindred.orgs.models import STAFF_ROLES, Membership, Organization, Role

# What a view needs of the visitor. A Literal, so that a typo (need="stafff") is a type error, and
# checked when a view is declared, so that it also fails at import instead of granting member access.
OrgNeed = Literal["member", "staff", "admin"]
ORG_NEEDS: tuple[str, ...] = get_args(OrgNeed)
NOT_A_MEMBER = ""


def check_need(need: str, allowed: tuple[str, ...]) -> None:
    if need not in allowed:
        raise ValueError(f"need={need!r} is not one of {', '.join(allowed)}")


@dataclass(frozen=True)
class OrgAccess:
    organization: Organization
    # None: a superuser who is not a member. NOT_A_MEMBER: someone signed in whom a program's
    # access rules may still let in (an invitation, an allowed email domain); no powers at all.
    role: str | None

    @property
    def is_member(self) -> bool:
        return self.role != NOT_A_MEMBER

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN or self.role is None

    @property
    def can_manage_programs(self) -> bool:
        return self.role in STAFF_ROLES or self.role is None


def get_org_for(user: User, org_slug: str, *, need: OrgNeed = "member") -> OrgAccess:
    """Return the organization `org_slug` as `user` may see it.

    need: "member" (any member), "staff" (admins and program managers) or "admin"."""
    check_need(need, ORG_NEEDS)
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("organization")
        .filter(organization__slug=org_slug, user=user)
        .first()
    )
    if membership is not None:
        access = OrgAccess(membership.organization, membership.role)
    elif user.is_superuser:
        org = Organization.objects.filter(slug=org_slug).first()
        if org is None:
            raise Http404
        access = OrgAccess(org, None)
    else:
        raise Http404
    if need == "staff" and not access.can_manage_programs:
        raise PermissionDenied("Only administrators and program managers can do this.")
    if need == "admin" and not access.is_admin:
        raise PermissionDenied("Only administrators of this organization can do this.")
    return access
