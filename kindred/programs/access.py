from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Literal, get_args

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from kindred.accounts.models import User
from kindred.accounts.selectors import verified_emails
from kindred.orgs.access import NOT_A_MEMBER, OrgAccess, check_need, get_org_for
from kindred.orgs.models import Removal
from kindred.programs.models import Program, Status

# "applicant": the registration form, open to members and to people the program's access rules
# may let in who are not members yet (an invitation, an allowed email domain); "member": the
# other participant pages; "staff" and "admin" as for organizations. A Literal, so a typo is a
# type error, and checked where a view is declared, so it also fails at import.
ProgramNeed = Literal["applicant", "member", "staff", "admin"]
PROGRAM_NEEDS: tuple[str, ...] = get_args(ProgramNeed)


@dataclass(frozen=True)
class ProgramAccess:
    program: Program
    org: OrgAccess

    @property
    def can_manage(self) -> bool:
        return self.org.can_manage_programs


def get_program_for(
    user: User, org_slug: str, program_slug: str, *, need: ProgramNeed = "member"
) -> ProgramAccess:
    """The program as `user` may see it: staff see every program of their organization, members
    every program but drafts; anyone else gets a 404. need="staff" requires an admin or manager;
    need="applicant" also lets in a non-member who never took part (see ProgramNeed)."""
    check_need(need, PROGRAM_NEEDS)
    if need == "applicant":
        return _for_applicant(user, org_slug, program_slug)
    org = get_org_for(user, org_slug, need=need)
    program = Program.objects.filter(organization=org.organization, slug=program_slug).first()
    if program is None or (program.status == Status.DRAFT and not org.can_manage_programs):
        raise Http404
    program.organization = org.organization  # already loaded: no second query
    return ProgramAccess(program, org)


def _for_applicant(user: User, org_slug: str, program_slug: str) -> ProgramAccess:
    try:
        return get_program_for(user, org_slug, program_slug, need="member")
    except Http404:
        if not user.is_authenticated:
            raise
    program = (
        Program.objects.select_related("organization")
        .filter(organization__slug=org_slug, slug=program_slug)
        .exclude(status=Status.DRAFT)
        .first()
    )
    if program is None:
        raise Http404
    # Registering makes a person a member, so someone who registered in this organization and is
    # no longer a member was removed; removals are also recorded. They are out, like everywhere
    # else, unless the program invited them again (through the reverse relation names: this app
    # does not import registration).
    removal = Removal.objects.filter(organization=program.organization, user=user).first()
    if (
        removal is None
        and not Program.objects.filter(organization=program.organization, registrations__user=user).exists()
    ):
        return ProgramAccess(program, OrgAccess(program.organization, NOT_A_MEMBER))
    asked_back = program.invitations.filter(email__in=verified_emails(user) | {user.email.lower()})
    if removal is not None:
        asked_back = asked_back.filter(created_at__gt=removal.removed_at)
    if not asked_back.exists():
        raise Http404
    return ProgramAccess(program, OrgAccess(program.organization, NOT_A_MEMBER))


def program_view(need: ProgramNeed) -> Callable[..., Callable[..., HttpResponse]]:
    """A view inside /o/<org_slug>/…/<program_slug>/: requires login, resolves the program through
    get_program_for, brands the page with its organization, and passes the ProgramAccess on."""
    check_need(need, PROGRAM_NEEDS)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(
            request: HttpRequest, org_slug: str, program_slug: str, *args: Any, **kwargs: Any
        ) -> HttpResponse:
            pa = get_program_for(request.user, org_slug, program_slug, need=need)  # type: ignore[arg-type]
            if need in ("applicant", "member") and pa.program.status == Status.DRAFT:
                raise Http404  # no participant page yet, even for the staff (they have the preview)
            request.brand = pa.program.organization  # type: ignore[attr-defined]
            return view(request, pa, *args, **kwargs)

        return wrapper

    return decorate
