from dataclasses import dataclass

from django.http import Http404

from kindred.accounts.models import User
from kindred.orgs.access import OrgAccess, get_org_for
from kindred.programs.models import Program, Status


@dataclass(frozen=True)
class ProgramAccess:
    program: Program
    org: OrgAccess

    @property
    def can_manage(self) -> bool:
        return self.org.can_manage_programs


def get_program_for(user: User, org_slug: str, program_slug: str, *, need: str = "member") -> ProgramAccess:
    """The program as `user` may see it: staff see every program of their organization, members
    every program but drafts; anyone else gets a 404. need="staff" requires an admin or manager."""
    org = get_org_for(user, org_slug, need=need)
    program = Program.objects.filter(organization=org.organization, slug=program_slug).first()
    if program is None or (program.status == Status.DRAFT and not org.can_manage_programs):
        raise Http404
    program.organization = org.organization  # already loaded: no second query
    return ProgramAccess(program, org)
