"""Helpers shared by every app's pages about one program (program admin pages, registration,
pairing): the access check that also brands the page, and the context they all render with."""

from typing import Any

from kindred.accounts.http import AuthedRequest
from kindred.programs.access import ProgramAccess, get_program_for


def staff_program(request: AuthedRequest, org_slug: str, program_slug: str) -> ProgramAccess:
    """The program for its organization's staff only (another organization: 404; a member: 403),
    with the page wearing the organization's branding."""
    pa = get_program_for(request.user, org_slug, program_slug, need="staff")
    request.brand = pa.program.organization  # type: ignore[attr-defined]
    return pa


def program_context(pa: ProgramAccess, **extra: Any) -> dict[str, Any]:
    return {"access": pa.org, "organization": pa.program.organization, "program": pa.program, **extra}
