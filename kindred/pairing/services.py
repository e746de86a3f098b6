"""Pairing writes: run matching in the worker, review proposals, publish mentorships."""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_tasks import task

from kindred.accounts.models import User
from kindred.matching import ProblemError, SolveTimeout, parse_problem, solve
from kindred.orgs.mail import org_email_send
from kindred.orgs.selectors import absolute_url
from kindred.pairing.models import (
    Exclusion,
    MatchRun,
    Mentorship,
    MentorshipEvent,
    MentorshipMember,
    MentorshipStatus,
    Proposal,
    RunStatus,
)
from kindred.pairing.problem import build_problem, registration_id
from kindred.pairing.selectors import ReasonSource, mentorship_reasons, reason_source
from kindred.programs.models import Program, Structure
from kindred.registration.models import Registration, RegistrationStatus

STALE_AFTER = dt.timedelta(minutes=30)


def pairing_open(program: Program) -> bool:
    """Whether pairing can still change: not once the program has ended."""
    return not program.has_ended


def _refuse_if_ended(program: Program) -> None:
    if not pairing_open(program):
        raise ValidationError(
            f"{program.name} has ended ({program.get_status_display().lower()}): pairing is closed."
        )


def _pk(engine_id: str) -> int:
    return int(engine_id[1:])


@transaction.atomic
def match_run_start(*, program: Program, by: User, objective: str) -> MatchRun:
    """Queue a matching run for the worker (one at a time per program)."""
    _refuse_if_ended(program)
    busy = MatchRun.objects.filter(program=program, status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
    # A run whose worker died is given up after STALE_AFTER, so matching is never blocked for good.
    busy.filter(created_at__lt=timezone.now() - STALE_AFTER).update(
        status=RunStatus.FAILED, error="The worker stopped before finishing.", finished_at=timezone.now()
    )
    if busy.exists():
        raise ValidationError("Matching is already running for this program.")
    if program.structure == Structure.FLASH:
        raise ValidationError(
            "Flash mentoring has no long-term matching: participants book one-off sessions."
        )
    run = MatchRun.objects.create(program=program, by=by, objective=objective)
    transaction.on_commit(lambda: run_matching.enqueue(run.pk))
    return run


def _progress(run: MatchRun, progress: int, step: str) -> None:
    MatchRun.objects.filter(pk=run.pk).update(progress=progress, step=step, status=RunStatus.RUNNING)


@task()
def run_matching(run_id: int) -> dict[str, Any]:
    """Build the problem, solve it with locked proposals kept, and replace the unlocked proposals."""
    # Claim the run: a second delivery of the same task finds it taken and does nothing.
    if not MatchRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(status=RunStatus.RUNNING):
        return {"skipped": True}
    run = MatchRun.objects.select_related("program__organization").get(pk=run_id)
    try:
        return _run(run)
    except (ProblemError, SolveTimeout, ValueError) as exc:  # SolveTimeout: the engine's time limit
        _fail(run, str(exc))
        return {"error": str(exc)}
    except Exception:
        _fail(run, "Matching stopped on an unexpected error (it is logged). Try again.")
        raise


def _fail(run: MatchRun, error: str) -> None:
    MatchRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, error=error, finished_at=timezone.now()
    )


def _run(run: MatchRun) -> dict[str, Any]:
    program = run.program
    _progress(run, 10, "Reading registrations")
    built = build_problem(program, objective=run.objective)
    taken = set(
        MentorshipMember.objects.filter(mentorship__program=program, mentorship__status="active").values_list(
            "registration_id", flat=True
        )
    )
    _remove_paired(built.data, taken, program)
    locked = list(Proposal.objects.filter(program=program, locked=True).values_list("mentee_id", "mentor_id"))
    _keep_locked(built.data, locked, peer=program.structure == Structure.PEER)
    _progress(run, 35, "Scoring every pair and solving")
    problem = parse_problem(built.data)
    solution = solve(problem)
    _progress(run, 80, "Writing proposals")
    result = solution.to_json()
    circles = result.get("groups") or []
    with transaction.atomic():
        # Circles are formed whole, so a run replaces them all; pairs keep the locked ones.
        Proposal.objects.filter(program=program, **({} if circles else {"locked": False})).delete()
        rows = [
            Proposal(
                program=program,
                mentee_id=_pk(member),
                mentor_id=_pk(circle["members"][0]),
                score=circle["score"],
                circle=number,
                run=run,
            )
            for number, circle in enumerate(circles, start=1)
            for member in circle["members"][1:]
        ]
        locked_pairs = set(locked)
        for pair in result.get("pairs", []):
            a, b = (pair["mentee"], pair["mentor"]) if "mentee" in pair else (pair["a"], pair["b"])
            if (_pk(a), _pk(b)) in locked_pairs:
                Proposal.objects.filter(program=program, mentee_id=_pk(a), mentor_id=_pk(b)).update(
                    score=pair["score"], reasons=pair["reasons"], run=run
                )
                continue
            rows.append(
                Proposal(
                    program=program,
                    mentee_id=_pk(a),
                    mentor_id=_pk(b),
                    score=pair["score"],
                    reasons=pair["reasons"],
                    run=run,
                )
            )
        Proposal.objects.bulk_create(rows)
        stats = {
            "mentees": len(problem.mentees),
            "mentors": len(problem.mentors),
            "matched": result.get("matched", 0),
            "circles": len(circles),
            "unmatched": result.get("unmatched", []),
            "total_score": result.get("total_score", 0),
            "certificate": result.get("certificate"),
        }
        MatchRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE, progress=100, step="Done", stats=stats, finished_at=timezone.now()
        )
    return stats


def _keep_locked(data: dict[str, Any], locked: list[tuple[int, int]], *, peer: bool) -> None:
    """Locked proposals go to the engine as fixed pairs. An admin may have locked a mentor past
    their capacity on purpose: the mentor's capacity in this run grows to fit. A lock also wins
    over the computed exclusions (department, reporting line) that came to cover the pair after
    it was locked, as it wins over must-haves: the admin decided. ("Never pair" on a proposal
    removes it, so an admin's own exclusion never meets a lock.)"""
    if peer:
        if data.get("group_size", 2) > 2:
            return  # circles are formed whole; the engine takes no fixed pairs with them
        present = {p["id"] for p in data["participants"]}
        data["fixed"] = [
            [registration_id(m), registration_id(n)]
            for m, n in locked
            if registration_id(m) in present and registration_id(n) in present
        ]
        kept = {frozenset(pair) for pair in data["fixed"]}
        data["exclude"] = [pair for pair in data["exclude"] if frozenset(pair) not in kept]
        return
    mentees = {m["id"] for m in data["mentees"]}
    mentors = {m["id"]: m for m in data["mentors"]}
    fixed = [
        [registration_id(m), registration_id(n)]
        for m, n in locked
        if registration_id(m) in mentees and registration_id(n) in mentors
    ]
    data["fixed"] = fixed
    kept_pairs = {tuple(pair) for pair in fixed}
    data["exclude"] = [pair for pair in data["exclude"] if tuple(pair) not in kept_pairs]
    load: dict[str, int] = {}
    for _, mentor in data["fixed"]:
        load[mentor] = load.get(mentor, 0) + 1
    for mentor_id, n in load.items():
        mentors[mentor_id]["capacity"] = max(mentors[mentor_id]["capacity"], n)


def _remove_paired(data: dict[str, Any], taken: set[int], program: Program) -> None:
    """People already in an active mentorship are not matched again; mentors keep what capacity
    they have left."""
    if not taken:
        return
    load = dict(
        MentorshipMember.objects.filter(mentorship__program=program, mentorship__status="active")
        .values("mentorship__mentor_id")
        .annotate(n=Count("pk"))
        .values_list("mentorship__mentor_id", "n")
    )
    if "mentees" in data:
        data["mentees"] = [m for m in data["mentees"] if _pk(m["id"]) not in taken]
        for mentor in data["mentors"]:
            mentor["capacity"] = max(0, mentor["capacity"] - load.get(_pk(mentor["id"]), 0))
        data["mentors"] = [m for m in data["mentors"] if m["capacity"] > 0]
        present = {m["id"] for m in data["mentees"]} | {m["id"] for m in data["mentors"]}
        data["exclude"] = [pair for pair in data["exclude"] if pair[0] in present and pair[1] in present]
    else:
        data["participants"] = [p for p in data["participants"] if _pk(p["id"]) not in taken]
        present = {p["id"] for p in data["participants"]}
        data["exclude"] = [pair for pair in data["exclude"] if pair[0] in present and pair[1] in present]


@transaction.atomic
def proposal_lock(*, proposal: Proposal, locked: bool) -> Proposal:
    proposal.locked = locked
    proposal.save(update_fields=["locked"])
    return proposal


@transaction.atomic
def proposal_remove(*, proposal: Proposal) -> None:
    proposal.delete()


@transaction.atomic
def proposal_assign(*, program: Program, mentee: Registration, mentor: Registration) -> Proposal:
    """An admin's own pair: locked, so re-running keeps it. Capacity and must-haves are warned
    about in the page, not enforced: the admin decides."""
    _refuse_if_ended(program)
    for reg, role in ((mentee, "mentee"), (mentor, "mentor")):
        if reg.program_id != program.pk or reg.status != RegistrationStatus.SUBMITTED:
            raise ValidationError(f"The {role} is not registered in this program.")
    if mentee.pk == mentor.pk:
        raise ValidationError("Someone cannot mentor themselves.")
    Proposal.objects.filter(program=program, mentee=mentee).delete()
    return Proposal.objects.create(program=program, mentee=mentee, mentor=mentor, locked=True, manual=True)


@transaction.atomic
def exclusion_add(
    *, program: Program, mentee: Registration, mentor: Registration, by: User, reason: str = ""
) -> Exclusion:
    """Never pair these two; a proposal between them goes away."""
    if mentee.pk == mentor.pk:
        raise ValidationError("Choose two different people.")
    if mentee.program_id != program.pk or mentor.program_id != program.pk:
        raise ValidationError("Both people must be registered in this program.")
    Proposal.objects.filter(program=program, mentee=mentee, mentor=mentor).delete()
    exclusion, _ = Exclusion.objects.get_or_create(
        program=program, mentee=mentee, mentor=mentor, defaults={"by": by, "reason": reason}
    )
    return exclusion


@transaction.atomic
def proposals_publish(
    *, program: Program, by: User | None, notify: bool = True
) -> tuple[list[Mentorship], int]:
    """Turn every proposal into a mentorship in one transaction and email both sides. Group
    programs get one mentorship per mentor with all their mentees. Publishing again creates
    nothing for pairs already published. Proposals that no longer hold (someone withdrew or
    changed role, or the mentor filled up through mentee choice since the run) are dropped;
    returns the mentorships made and how many proposals were dropped."""
    _refuse_if_ended(program)
    proposals = list(
        Proposal.objects.select_for_update()
        .filter(program=program)
        .select_related("mentee__user", "mentor__user")
    )
    if not proposals:
        raise ValidationError("There are no proposals to publish.")
    valid = _still_valid(program, proposals)
    dropped = len(proposals) - len(valid)
    proposals = valid
    active = set(
        MentorshipMember.objects.filter(
            mentorship__program=program, mentorship__status=MentorshipStatus.ACTIVE
        ).values_list("registration_id", flat=True)
    )
    groups: dict[int, Mentorship] = {}
    if program.structure == Structure.GROUP:
        groups = {
            int(m.mentor_id or 0): m
            for m in Mentorship.objects.filter(program=program, status=MentorshipStatus.ACTIVE).exclude(
                mentor=None
            )
        }
    # Everything is collected first and written with a few bulk inserts, whatever the count.
    new: list[tuple[Mentorship, list[MentorshipMember]]] = []  # a mentorship and its members
    joined: list[MentorshipMember] = []  # new mentees of existing groups
    introduced = None if notify else timezone.now()  # not emailed: nothing left to introduce

    def member(p: Proposal | None, pk: int, role: str) -> MentorshipMember:
        """A member with its own pair's score and reasons (each of a group's mentees has hers)."""
        return MentorshipMember(
            registration_id=pk,
            role=role,
            score=p.score if p else None,
            reasons=p.reasons if p else None,
            introduced_at=introduced,
        )

    grown: dict[int, Mentorship] = {}
    circles: dict[int, list[Proposal]] = defaultdict(list)
    for p in proposals:
        if p.circle is not None:
            circles[p.circle].append(p)
    for items in circles.values():
        people = {items[0].mentor_id, *(p.mentee_id for p in items)} - active
        if len(people) >= 2:
            new.append(
                (
                    Mentorship(program=program, score=items[0].score),
                    [member(None, pk, "peer") for pk in sorted(people)],
                )
            )
    by_mentor: dict[int, list[Proposal]] = defaultdict(list)
    for p in proposals:
        if p.mentee_id not in active and p.circle is None:
            by_mentor[p.mentor_id].append(p)
    peer = program.structure == Structure.PEER
    for mentor_id, items in by_mentor.items():
        if program.structure == Structure.GROUP:
            group = groups.get(mentor_id)
            if group is None:
                first = items[0]
                new.append(
                    (
                        Mentorship(
                            program=program, mentor_id=mentor_id, score=first.score, reasons=first.reasons
                        ),
                        [member(p, p.mentee_id, "mentee") for p in items],
                    )
                )
            else:
                for p in items:
                    joined.append(member(p, p.mentee_id, "mentee"))
                    joined[-1].mentorship = group
                grown[group.pk] = group
            continue
        for p in items:
            if peer:
                members = [member(p, p.mentee_id, "peer"), member(p, p.mentor_id, "peer")]
                mentorship = Mentorship(program=program, score=p.score, reasons=p.reasons)
            else:
                members = [member(p, p.mentee_id, "mentee")]
                mentorship = Mentorship(
                    program=program, mentor_id=p.mentor_id, score=p.score, reasons=p.reasons
                )
            new.append((mentorship, members))
    created = Mentorship.objects.bulk_create([m for m, _ in new])  # primary keys come back
    for m, crew in new:
        for x in crew:
            x.mentorship = m
    MentorshipMember.objects.bulk_create(joined + [x for _, crew in new for x in crew])
    MentorshipEvent.objects.bulk_create(
        [MentorshipEvent(mentorship=m, kind="published", by=by) for m in [*created, *grown.values()]]
    )
    Proposal.objects.filter(program=program).delete()
    if notify and (created or grown):
        ids = [m.pk for m in created] + list(grown)
        # Rendering thousands of introductions is the worker's job, not the request's.
        transaction.on_commit(lambda: send_introductions.enqueue(ids))
    return created, dropped


@task()
def send_introductions(mentorship_ids: list[int]) -> int:
    """Introduce each mentorship's members not yet introduced, and their mentor: a new pair both
    ways, a mentee joining a group to the mentor and the group (the others are not emailed
    again). Each member is claimed first (see below), so a member is introduced once even if
    this task runs twice.
    Returns the number of emails."""
    sent = 0
    for start in range(0, len(mentorship_ids), INTRODUCTIONS_AT_ONCE):
        mentorships = list(
            Mentorship.objects.filter(pk__in=mentorship_ids[start : start + INTRODUCTIONS_AT_ONCE])
            .select_related("program__organization", "mentor__user")
            .prefetch_related("members__registration__user")
        )
        waiting = [x.pk for m in mentorships for x in m.members.all() if x.introduced_at is None]
        # Claimed by stamping with this run's own time in one conditional UPDATE, then reading
        # back what carries the stamp: two deliveries never both claim a member.
        stamp = timezone.now()
        MentorshipMember.objects.filter(pk__in=waiting, introduced_at=None).update(introduced_at=stamp)
        claimed = set(
            MentorshipMember.objects.filter(pk__in=waiting, introduced_at=stamp).values_list("pk", flat=True)
        )
        by_program: dict[int, list[Mentorship]] = defaultdict(list)
        for mentorship in mentorships:
            if any(x.pk in claimed for x in mentorship.members.all()):
                by_program[mentorship.program_id].append(mentorship)
        for group in by_program.values():
            people = [r for m in group for r in _people(m)]
            source = reason_source(group[0].program, people)  # a fixed number of queries per chunk
            for mentorship in group:
                sent += _introduction_emails(mentorship, source, claimed)
    return sent


INTRODUCTIONS_AT_ONCE = 500


def _people(mentorship: Mentorship) -> list[Registration]:
    members = [m.registration for m in mentorship.members.all()]
    return members + ([mentorship.mentor] if mentorship.mentor else [])


def _still_valid(program: Program, proposals: list[Proposal]) -> list[Proposal]:
    """The proposals that can still be published, checked under a lock on the mentors' rows:
    both people registered, on the right sides, and mentors with room (an admin's manual pair
    may go past capacity on purpose)."""
    peer = program.structure == Structure.PEER
    mentor_ids = sorted({p.mentor_id for p in proposals})
    mentors = {r.pk: r for r in Registration.objects.select_for_update().filter(pk__in=mentor_ids)}
    load: dict[int, int] = dict(
        MentorshipMember.objects.filter(mentorship__mentor_id__in=mentor_ids, mentorship__status="active")
        .values_list("mentorship__mentor_id")
        .annotate(n=Count("pk"))
    )
    valid = []
    paired: set[int] = set()  # one mentorship per mentee (per person in peer pairs) per publish
    for p in sorted(proposals, key=lambda p: (not p.manual, not p.locked, -(p.score or 0))):
        mentor = mentors[p.mentor_id]
        people = {p.mentee_id} if p.circle is not None or not peer else {p.mentee_id, p.mentor_id}
        if p.circle is None and people & paired:
            continue
        registered = (
            p.mentee.status == RegistrationStatus.SUBMITTED and mentor.status == RegistrationStatus.SUBMITTED
        )
        sides = peer or p.circle is not None or (p.mentee.is_mentee and mentor.is_mentor)
        room = peer or p.circle is not None or p.manual or load.get(mentor.pk, 0) < mentor.capacity
        if registered and sides and room:
            valid.append(p)
            paired |= people
            load[mentor.pk] = load.get(mentor.pk, 0) + 1
    return valid


def _introduction_emails(mentorship: Mentorship, source: ReasonSource, claimed: set[int]) -> int:
    """Each side is told who, why in their own words (what they share, as the answers say), and
    the next step. Only the claimed (new) members and their mentor are emailed."""
    program = mentorship.program
    org = program.organization
    members = list(mentorship.members.all())
    fresh = [x.registration for x in members if x.pk in claimed]
    joining = len(fresh) < len(members)  # new mentees in an existing group
    recipients = fresh + ([mentorship.mentor] if mentorship.mentor else [])
    for registration in recipients:
        is_mentor = mentorship.mentor_id == registration.pk
        mentor = mentorship.mentor if not is_mentor else None
        if is_mentor:
            others = [r.user for r in fresh]  # the mentor hears about the newcomers
        else:
            others = [
                o.user for o in _people(mentorship) if o.pk not in (registration.pk, mentorship.mentor_id)
            ]
        shown = {o.pk for o in others} | ({mentor.user_id} if mentor else set())
        why = [
            (other.user.display_name, [r.text for r in reasons])
            for other, reasons in mentorship_reasons(source, mentorship, registration)
            if reasons and other.user_id in shown
        ]
        org_email_send(
            org,
            template_dir="pairing/email/introduction",
            to=[registration.user.email],
            context={
                "person": registration.user,
                "mentor": mentor.user if mentor else None,
                "others": others,  # the mentor's new mentees, a mentee's co-mentees, or peers
                "joining": joining and is_mentor,
                "program": program,
                "mentorship": mentorship,
                "is_mentor": is_mentor,
                "why": why,
                "url": absolute_url(program.get_participant_url(), org),
            },
        )
    return len(recipients)


def proposal_counts(program: Program) -> dict[str, int]:
    return Proposal.objects.filter(program=program).aggregate(
        total=Count("pk"),
        locked=Count("pk", filter=Q(locked=True)),
        manual=Count("pk", filter=Q(manual=True)),
    )
