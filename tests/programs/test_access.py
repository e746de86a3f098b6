"""One guard for every view inside an organization or a program: `need` is a Literal, so a typo is
a type error (mypy, in `make check`) and a ValueError where the view is declared."""

from typing import Literal, get_args, get_origin, get_type_hints

import pytest

from kindred.orgs.access import OrgNeed, get_org_for
from kindred.orgs.decorators import org_view
from kindred.programs.access import ProgramNeed, get_program_for, program_view


def test_need_is_typed_as_a_literal():  # type: ignore[no-untyped-def]
    assert get_type_hints(org_view)["need"] == OrgNeed and get_origin(OrgNeed) is Literal
    assert set(get_args(OrgNeed)) == {"member", "staff", "admin"}
    assert get_type_hints(program_view)["need"] == ProgramNeed
    assert set(get_args(ProgramNeed)) == {"applicant", "member", "staff", "admin"}


@pytest.mark.parametrize("decorator", [org_view, program_view])
def test_a_typo_fails_where_the_view_is_declared(decorator):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="stafff"):
        decorator(need="stafff")


@pytest.mark.django_db
def test_a_typo_never_grants_member_access(bob, program):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        get_org_for(bob, "acme", need="stafff")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        get_program_for(bob, "acme", "hand-up", need="stafff")  # type: ignore[arg-type]
