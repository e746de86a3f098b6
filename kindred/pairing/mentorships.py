"""After the match: "not a good fit", ending and reassigning mentorships, completion at the end
of the program. Every change is logged with who and when."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from kindred.accounts.models import User
from kindred.orgs.mail import org_email_send
from kindred.orgs.models import Membership, Role
from kindred.orgs.selectors import absolute_url
from kindred.pairing.models import (
    Exclusion,
    MentorRequest,
    Mentorship,
    MentorshipEvent,
    MentorshipMember,
    MentorshipStatus,
    Proposal,
    RequestStatus,
)
from kindred.pairing.services import send_introductions
from kindred.programs.models import Program, Status, StatusChange, Structure
from kindred.programs.services import program_change_status
from kindred.registration.models import Registration, RegistrationStatus
from kindred.registration.signals import registration_withdrawn


def _log(mentorship: Mentorship, kind: str, by: User | None, note: str = "") -> None:
    MentorshipEvent.objects.create(mentorship=mentorship, kind=kind, by=by, note=note[:300])


def _end(mentorship: Mentorship, *, status: str, reason: str) -> None:
    mentorship.status, mentorship.ended_at, mentorship.end_reason = status, timezone.now(), reason[:300]
    mentorship.save(update_fields=["status", "ended_at", "end_reason"])


def _exclude(mentorship: Mentorship, mentees: list[Registration], by: User | None, reason: str) -> None:
    if mentorship.mentor_id is None:  # peers: exclude both directions
        members = [m.registration for m in mentorship.members.select_related("registration")]
        for a in members:
            for b in members:
                if a.pk != b.pk:
                    Exclusion.objects.get_or_create(
                        program=mentorship.program, mentee=a, mentor=b, defaults={"by": by, "reason": reason}
                    )
        return
    for mentee in mentees:
        Exclusion.objects.get_or_create(
            program=mentorship.program,
            mentee=mentee,
            mentor_id=mentorship.mentor_id,
            defaults={"by": by, "reason": reason},
        )


@transaction.atomic
def mentorship_not_a_fit(*, mentorship: Mentorship, registration: Registration, reason: str) -> Mentorship:
    """Either side says it is not working. The reason stays private to administrators. In a group a
    mentee leaves alone; otherwise the mentorship ends. Those left without a mentor return to the
    pool, and the pair is never proposed again."""
    mentorship = (
        Mentorship.objects.select_for_update().select_related("program__organization").get(pk=mentorship.pk)
    )
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise ValidationError("This mentorship has already ended.")
    members = list(mentorship.members.select_related("registration__user"))
    is_member = any(m.registration_id == registration.pk for m in members)
    if registration.pk != mentorship.mentor_id and not is_member:
        raise ValidationError("Only the people in this mentorship can end it.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Tell the program team briefly why (only they see it)."})
    note = f"Not a good fit, said {registration.user.display_name}: {reason}"
    group_mentee_leaving = mentorship.mentor_id is not None and is_member and len(members) > 1
    if group_mentee_leaving:
        MentorshipMember.objects.filter(mentorship=mentorship, registration=registration).delete()
        _exclude(mentorship, [registration], registration.user, "Not a good fit")
        _log(mentorship, "member_left", registration.user, note)
    else:
        _exclude(mentorship, [m.registration for m in members], registration.user, "Not a good fit")
        _end(mentorship, status=MentorshipStatus.ENDED, reason=note)
        _log(mentorship, "not_a_fit", registration.user, note)
    _tell_admins(mentorship, registration, reason)
    return mentorship


def _tell_admins(mentorship: Mentorship, registration: Registration, reason: str) -> None:
    program = mentorship.program
    org = program.organization
    staff = Membership.objects.filter(
        organization=org, role__in=[Role.ADMIN, Role.PROGRAM_MANAGER]
    ).select_related("user")
    to = sorted({m.user.email for m in staff})
    if not to:
        return
    org_email_send(
        org,
        template_dir="pairing/email/not_a_fit",
        to=to,
        context={
            "program": program,
            "person": registration.user,
            "reason": reason,
            "url": absolute_url(reverse("pairing:mentorships", args=[org.slug, program.slug]), org),
        },
    )


@transaction.atomic
def mentorship_end(*, mentorship: Mentorship, by: User, reason: str) -> Mentorship:
    """An administrator ends a mentorship early."""
    mentorship = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise ValidationError("This mentorship has already ended.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the mentorship ends."})
    _end(mentorship, status=MentorshipStatus.ENDED, reason=reason.strip())
    _log(mentorship, "ended", by, reason)
    return mentorship


@transaction.atomic
def mentorship_reassign(
    *, mentorship: Mentorship, mentee: Registration, mentor: Registration, by: User
) -> Mentorship:
    """Give a mentee another mentor: they leave this mentorship and start a new one."""
    mentorship = Mentorship.objects.select_for_update().select_related("program").get(pk=mentorship.pk)
    program = mentorship.program
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise ValidationError("This mentorship has already ended.")
    if not MentorshipMember.objects.filter(mentorship=mentorship, registration=mentee).exists():
        raise ValidationError("This mentee is not in the mentorship.")
    if (
        mentor.program_id != program.pk
        or mentor.status != RegistrationStatus.SUBMITTED
        or not mentor.is_mentor
        or mentor.pk in (mentee.pk, mentorship.mentor_id)
    ):
        raise ValidationError({"mentor": "Choose another registered mentor of this program."})
    if Exclusion.objects.filter(program=program, mentee=mentee, mentor=mentor).exists():
        raise ValidationError({"mentor": "These two are on the never-pair list."})
    members = mentorship.members.count()
    if members > 1:
        MentorshipMember.objects.filter(mentorship=mentorship, registration=mentee).delete()
        _log(
            mentorship,
            "member_left",
            by,
            f"{mentee.user.display_name} reassigned to {mentor.user.display_name}",
        )
    else:
        _end(mentorship, status=MentorshipStatus.ENDED, reason=f"Reassigned to {mentor.user.display_name}")
        _log(mentorship, "reassigned", by, f"Reassigned to {mentor.user.display_name}")
    group = program.structure == Structure.GROUP
    existing = Mentorship.objects.filter(
        program=program, mentor=mentor, status=MentorshipStatus.ACTIVE
    ).first()
    new = existing if group and existing else Mentorship.objects.create(program=program, mentor=mentor)
    MentorshipMember.objects.create(mentorship=new, registration=mentee, role="mentee")
    _log(new, "assigned", by, f"Reassigned from mentorship {mentorship.pk}")
    # The mentee and the new mentor are introduced (the worker emails after the commit).
    transaction.on_commit(lambda: send_introductions.enqueue([new.pk]))
    return new


@transaction.atomic
def mentorships_complete(*, program: Program, by: User | None) -> int:
    """At the end of the program every active mentorship completes: one UPDATE and one batched
    INSERT of events, so the write lock is held briefly even for thousands of mentorships."""
    active = list(
        Mentorship.objects.select_for_update()
        .filter(program=program, status=MentorshipStatus.ACTIVE)
        .values_list("pk", flat=True)
    )
    Mentorship.objects.filter(program=program, status=MentorshipStatus.ACTIVE).update(
        status=MentorshipStatus.COMPLETED, ended_at=timezone.now(), end_reason=""
    )
    MentorshipEvent.objects.bulk_create(
        [
            MentorshipEvent(mentorship_id=pk, kind="completed", by=by, note="The program ended")
            for pk in active
        ],
        batch_size=1000,
    )
    return len(active)


def programs_complete_ended(*, today: dt.date | None = None) -> int:
    """Running programs past their end date complete, and so do their mentorships (the sweep)."""
    today = today or timezone.localdate()
    ended = Program.objects.filter(status=Status.RUNNING, ends_on__lt=today)
    for program in ended:
        program_change_status(program=program, to=Status.COMPLETED, by=None)
    return len(ended)


@receiver(registration_withdrawn)
def release_withdrawn(sender: type[Registration], registration: Registration, **kwargs: object) -> None:
    """Someone withdrew: their requests are cancelled, their proposals dropped, and their active
    mentorships end (a group loses one mentee; a mentor's withdrawal ends the whole group)."""
    MentorRequest.objects.filter(status=RequestStatus.PENDING).filter(
        Q(mentee=registration) | Q(mentor=registration)
    ).update(status=RequestStatus.CANCELLED, decided_at=timezone.now())
    Proposal.objects.filter(Q(mentee=registration) | Q(mentor=registration)).delete()
    note = f"{registration.user.display_name} withdrew from the program"
    ids = set(
        Mentorship.objects.filter(
            Q(mentor=registration) | Q(members__registration=registration), status=MentorshipStatus.ACTIVE
        ).values_list("pk", flat=True)
    )
    # Locked by id: PostgreSQL refuses FOR UPDATE together with DISTINCT.
    for mentorship in Mentorship.objects.select_for_update().filter(pk__in=ids):
        others = mentorship.members.exclude(registration=registration)
        if mentorship.mentor_id != registration.pk and mentorship.mentor_id is not None and others.exists():
            MentorshipMember.objects.filter(mentorship=mentorship, registration=registration).delete()
            _log(mentorship, "member_left", registration.user, note)
        else:
            _end(mentorship, status=MentorshipStatus.ENDED, reason=note)
            _log(mentorship, "ended", registration.user, note)


@receiver(post_save, sender=StatusChange)
def _program_completed(
    sender: type[StatusChange], instance: StatusChange, created: bool, **kwargs: object
) -> None:
    if created and instance.to_status == Status.COMPLETED:
        mentorships_complete(program=instance.program, by=instance.by)
    if created and instance.to_status in (Status.COMPLETED, Status.ARCHIVED):
        # The program has ended: requests still waiting will never be answered.
        MentorRequest.objects.filter(program=instance.program, status=RequestStatus.PENDING).update(
            status=RequestStatus.CANCELLED, decided_at=timezone.now()
        )
