"""The facts pairing reads about a member (job title, department, manager's email), as their
organization sees them.

Each membership keeps its own copy, blank meaning "as the person's own profile says": the
person's profile edit clears every copy of what they changed (their word wins everywhere), and
only an import of the organization that created the account fills its own copy. So no
organization can change what another one pairs on."""

from typing import Any

from django.db.models import Case, F, QuerySet, When

from kindred.orgs.models import Membership

FACTS = ("job_title", "department", "manager_email")


def _effective(fact: str) -> Case:
    return Case(When(**{fact: ""}, then=F(f"user__{fact}")), default=F(fact))


def with_facts(
    memberships: QuerySet[Membership],
) -> QuerySet[Any]:  # Any: the annotations are not in the model
    """Memberships annotated with `fact_<name>`: the organization's copy, or the person's own."""
    return memberships.annotate(
        fact_job_title=_effective("job_title"),
        fact_department=_effective("department"),
        fact_manager_email=_effective("manager_email"),
    )


def member_facts(*, organization_id: int) -> dict[int, dict[str, str]]:
    """Every member's facts as the organization sees them, by user id, in one query."""
    rows = with_facts(Membership.objects.filter(organization_id=organization_id)).values_list(
        "user_id", "fact_job_title", "fact_department", "fact_manager_email"
    )
    return {uid: dict(zip(FACTS, values, strict=True)) for uid, *values in rows}


def managers_of(organization_id: int) -> dict[str, str]:
    """Who reports to whom in the organization, by lower-case email, in one query."""
    rows = (
        with_facts(Membership.objects.filter(organization_id=organization_id))
        .exclude(fact_manager_email="")
        .values_list("user__email", "fact_manager_email")
    )
    return {email.lower(): manager.lower() for email, manager in rows}
