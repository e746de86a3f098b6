"""The demo organization, Northwind: realistic people and programs in every state.

`load_demo()` is idempotent: people are keyed by email, programs by slug, registrations by
(program, person), so running it again changes nothing that exists. Dates are relative to today
so the demo always looks current (registration open now, a program running now, ...)."""

import io
import random
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from kindred.accounts.models import User
from kindred.demo.people import DEPARTMENTS, FIRST, LAST, PEOPLE, ZONES
from kindred.orgs.models import AllowedDomain, DomainProof, Membership, Organization, OrgInvitation, Role
from kindred.pairing.choice import request_create
from kindred.pairing.criteria import criteria_reset_to_defaults, settings_for, settings_save
from kindred.pairing.mentorships import mentorships_complete
from kindred.pairing.models import MatchRun, Mentorship, MentorshipEvent
from kindred.pairing.services import proposals_publish, run_matching
from kindred.programs.models import Program, Status, StatusChange
from kindred.registration.answers import validate_answers
from kindred.registration.models import (
    AccessMode,
    InvitationStatus,
    ProgramInvitation,
    ProgramSetup,
    Question,
    Registration,
)
from kindred.registration.questionnaire import pool_add
from kindred.registration.services import answers_write, asked_questions

DEMO_PASSWORD = "kindred-demo"
DEMO_LOGINS = (
    ("admin@northwind.test", "administrator of Northwind"),
    ("mentor@northwind.test", "a mentor in Northwind's programs"),
    ("mentee@northwind.test", "a mentee in Northwind's programs"),
)


def _logo_png() -> bytes:
    """Northwind's logo: a compass-like mark, drawn here so the demo ships no binary file."""
    img = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((0, 0, 159, 159), radius=36, fill=(15, 118, 110, 255))
    d.polygon([(80, 18), (102, 80), (80, 142), (58, 80)], fill=(255, 255, 255, 255))
    d.polygon([(80, 18), (102, 80), (80, 80)], fill=(253, 186, 116, 255))
    d.ellipse((72, 72, 88, 88), fill=(15, 118, 110, 255))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _person(email: str, name: str, title: str, dept: str, tz: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, name=name, job_title=title, department=dept, time_zone=tz
        )
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _crowd_users(org: Organization, people: list[tuple[str, str, str, str, str]]) -> list[User]:
    """Create the crowd in bulk (one password hash for all: hashing is slow on purpose)."""
    emails = [p[0] for p in people]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    password = make_password(DEMO_PASSWORD)
    User.objects.bulk_create(
        User(email=e, name=n, job_title=t, department=d, time_zone=tz, password=password)
        for e, n, t, d, tz in people
        if e not in existing
    )
    users = list(User.objects.filter(email__in=emails).order_by("email"))
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
        ignore_conflicts=True,
    )
    Membership.objects.bulk_create(
        [Membership(organization=org, user=u, role=Role.MEMBER) for u in users], ignore_conflicts=True
    )
    return users


def _reporting_lines(crowd: list[User]) -> None:
    """Each department is a tree: its first person leads it and everyone reports to someone
    above them, four to a manager. Derived from the emails only, so it is the same every time."""
    by_department: dict[str, list[User]] = {}
    for user in sorted(crowd, key=lambda u: u.email):
        by_department.setdefault(user.department, []).append(user)
    changed = []
    for people in by_department.values():
        for i, user in enumerate(people[1:], start=1):
            if not user.manager_email:
                user.manager_email = people[(i - 1) // 4].email
                changed.append(user)
    User.objects.bulk_update(changed, ["manager_email"])


def _crowd(rng: random.Random, n: int) -> list[tuple[str, str, str, str, str]]:
    people: list[tuple[str, str, str, str, str]] = []
    seen: set[str] = set()
    names: set[str] = set()
    while len(people) < n:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if f"{first} {last}" in names:  # two people of one name are hard to tell apart
            continue
        names.add(f"{first} {last}")
        email = f"{first}.{last}@northwind.test".lower()
        if email in seen:
            email = f"{first}.{last}{len(people)}@northwind.test".lower()
        if email in seen:
            continue
        seen.add(email)
        dept = rng.choice(sorted(DEPARTMENTS))
        people.append((email, f"{first} {last}", rng.choice(DEPARTMENTS[dept]), dept, rng.choice(ZONES)))
    return people


def _programs(today: date) -> list[dict]:
    d = timedelta
    return [
        dict(
            slug="emerging-leaders-2026",
            name="Emerging Leaders 2026",
            structure="traditional",
            purpose="emerging_leaders",
            status=Status.RUNNING,
            cadence="monthly",
            enrollment="cohort",
            description="A nine-month program pairing high-potential individual contributors with senior "
            "leaders who have already made the move into leadership.",
            registration_opens_on=today - d(150),
            registration_closes_on=today - d(120),
            starts_on=today - d(100),
            ends_on=today + d(170),
            mentors=14,
            mentees=20,
        ),
        dict(
            slug="hand-up-mentorship",
            name="Hand-up Mentorship",
            structure="traditional",
            purpose="career",
            status=Status.REGISTRATION,
            cadence="biweekly",
            enrollment="cohort",
            description="Grow your career with a mentor who has walked the path you are on. Open to everyone "
            "at Northwind: sign up as a mentor, a mentee, or both.",
            registration_opens_on=today - d(10),
            registration_closes_on=today + d(21),
            starts_on=today + d(35),
            ends_on=today + d(35 + 240),
            mentors=115,
            mentees=185,
        ),
        dict(
            slug="new-hire-buddies",
            name="New Hire Buddies",
            structure="peer",
            purpose="onboarding",
            status=Status.PAIRING,
            cadence="weekly",
            enrollment="open",
            description="Every new starter gets a peer buddy from another team for their first six months.",
            registration_opens_on=today - d(60),
            registration_closes_on=today + d(300),
            starts_on=today + d(14),
            ends_on=today + d(14 + 300),
            mentors=10,
            mentees=10,
        ),
        dict(
            slug="reverse-mentoring-digital",
            name="Reverse Mentoring: Digital Fluency",
            structure="reverse",
            purpose="culture",
            status=Status.DRAFT,
            cadence="monthly",
            enrollment="cohort",
            description="Early-career colleagues mentor our executives on the tools and habits "
            "of a digital workplace.",
            registration_opens_on=today + d(20),
            registration_closes_on=today + d(50),
            starts_on=today + d(60),
            ends_on=today + d(60 + 180),
            mentors=0,
            mentees=0,
        ),
        dict(
            slug="sales-academy-mentors",
            name="Sales Academy Mentors",
            structure="group",
            purpose="training",
            status=Status.DRAFT,
            cadence="biweekly",
            enrollment="cohort",
            description="",
            registration_opens_on=None,
            registration_closes_on=None,
            starts_on=None,
            ends_on=None,
            mentors=0,
            mentees=0,
        ),
        dict(
            slug="women-in-engineering-2025",
            name="Women in Engineering 2025",
            structure="group",
            purpose="diversity",
            status=Status.COMPLETED,
            cadence="biweekly",
            enrollment="cohort",
            description="Small mentoring circles led by senior women engineers.",
            registration_opens_on=today - d(420),
            registration_closes_on=today - d(390),
            starts_on=today - d(380),
            ends_on=today - d(20),
            mentors=5,
            mentees=16,
        ),
        dict(
            slug="flash-mentoring-spring",
            name="Flash Mentoring Week — Spring",
            structure="flash",
            purpose="remote",
            status=Status.ARCHIVED,
            cadence="weekly",
            enrollment="cohort",
            description="One-off conversations across offices and time zones.",
            registration_opens_on=today - d(250),
            registration_closes_on=today - d(236),
            starts_on=today - d(235),
            ends_on=today - d(228),
            mentors=8,
            mentees=12,
        ),
    ]


CROWD = 330
POOL_FOR = {
    "traditional": [
        "seniority",
        "current_role",
        "other_roles",
        "locations",
        "time_zone",
        "years_career",
        "skills_to_grow",
        "goals",
        "experiences_hoped",
    ],
    "group": ["seniority", "current_role", "skills_to_grow", "goals", "time_zone"],
    "peer": ["seniority", "discipline", "disciplines_interested", "skills_to_grow", "time_zone", "locations"],
    "reverse": ["seniority", "skills_to_grow", "time_zone"],
    "flash": ["current_role", "skills_to_grow"],
}
HOPES = [
    "I want to learn how to lead a team for the first time.",
    "Advice on moving from individual contributor to manager.",
    "Someone to practise difficult conversations with.",
    "Understanding how other departments make decisions.",
    "Help planning my next two years.",
]
HELP = [
    "I moved from engineering into management three years ago.",
    "Happy to talk about negotiation and stakeholder management.",
    "I've hired and grown teams across two continents.",
    "Career changes: I started in sales and now run product.",
]


def _seniority(title: str) -> int:
    """The seniority a job title implies, as an index into the pool's scale (Co-Op .. VP/Executive),
    so a "Director of Product" never says "Associate" on her profile."""
    if title.startswith(("VP", "Chief")):
        return 5
    if "Director" in title or title.startswith("Head of"):
        return 4
    if any(word in title for word in ("Associate", "Coordinator", "Rep")):
        return 1
    if any(word in title for word in ("Senior", "Staff", "Lead", "Manager", "Controller")):
        return 3
    return 2


def _raw_answers(
    questions: list[Question], user: User, role: str, rng: random.Random, group: bool = False
) -> dict[str, object]:
    """Plausible answers to each question: mentors more senior and experienced than mentees."""
    mentor = role in ("mentor", "both")
    raw: dict[str, object] = {}
    for q in questions:
        name = f"q{q.pk}"
        options = [o for o in q.options.all() if not o.archived]
        if q.builtin == "role":
            raw[name] = str(next(o.pk for o in options if o.value == role))
        elif q.builtin == "capacity":  # a group program's capacity is its group size
            raw[name] = str(rng.choice([3, 4, 4]) if group else rng.choice([1, 1, 2, 2, 3]))
        elif q.pool_key == "seniority":
            raw[name] = str(options[min(_seniority(user.job_title), len(options) - 1)].pk)
        elif q.kind == "single":
            choice = rng.choice(options)
            if q.pool_key == "current_role":  # the role they hold is their department's
                choice = next((o for o in options if o.label == user.department), choice)
            raw[name] = str(choice.pk)
        elif q.kind == "multiple":
            limit = min(q.max_choices or 3, len(options))
            raw[name] = [str(o.pk) for o in rng.sample(options, rng.randint(1, limit))]
        elif q.kind == "timezone":
            raw[name] = user.time_zone
        elif q.kind == "number":
            raw[name] = str(rng.randint(6, 25) if mentor else rng.randint(0, 8))
        elif q.kind == "long_text":
            raw[name] = rng.choice(HELP if mentor else HOPES)
    return raw


def _register_crowd(
    program: Program,
    rng: random.Random,
    crowd: list[User],
    named: dict[str, User],
    n_mentors: int,
    n_mentees: int,
) -> None:
    """Give the program a questionnaire from the pool and register people with validated answers."""
    for key in POOL_FOR[program.structure]:
        if not Question.objects.filter(program=program, pool_key=key).exists():
            pool_add(program=program, key=key)
    questions = asked_questions(program)
    people = crowd[:]
    rng.shuffle(people)
    people = people[: n_mentors + n_mentees]
    # The demo logins take part everywhere, so each of their pages shows something.
    demo = [named["mentor@northwind.test"], named["mentee@northwind.test"]]
    others = [p for p in people if p not in demo][: n_mentors + n_mentees - 2]
    # Mentors come from the more senior half (the shuffle breaks ties), as a program team would
    # invite them; in reverse mentoring, from the more junior.
    others.sort(key=lambda u: _seniority(u.job_title), reverse=program.structure != "reverse")
    people = [*demo, *others]
    opened = program.registration_opens_on or timezone.localdate()
    for i, user in enumerate(people):
        role = "mentor" if i == 0 or (i > 1 and i <= n_mentors) else "mentee"
        if program.structure == "peer" or (i > 1 and rng.random() < 0.06):
            role = "both"
        raw = _raw_answers(questions, user, role, rng, group=program.structure == "group")
        clean, errors = validate_answers(questions, raw)
        if errors:
            raise RuntimeError(f"demo answers do not validate: {errors}")
        status = "submitted"
        if program.status == Status.REGISTRATION and i > 1:
            status = rng.choices(["submitted", "draft", "withdrawn"], weights=[92, 5, 3])[0]
        days_open = max(
            1, (min(timezone.localdate(), program.registration_closes_on or opened) - opened).days
        )
        at = timezone.make_aware(datetime.combine(opened, time(9))) + timedelta(
            hours=rng.randint(0, 24 * days_open - 12)
        )
        registration = Registration.objects.create(
            program=program,
            user=user,
            role=clean.role if status != "draft" else "",
            capacity=clean.capacity,
            status=status,
            created_at=at,
            submitted_at=at if status != "draft" else None,
            withdrawn_at=min(at + timedelta(days=2), timezone.now()) if status == "withdrawn" else None,
            draft=raw if status == "draft" else {},
        )
        if status != "draft":
            answers_write(registration, clean)


def _hand_up_setup(program: Program, crowd: list[User]) -> None:
    """Access, landing page and invitations of the program that is open for registration."""
    setup, created = ProgramSetup.objects.get_or_create(program=program)
    if not created:
        return
    setup.access_mode = AccessMode.BOTH
    setup.access_reviewed_at = setup.emails_reviewed_at = timezone.now() - timedelta(days=12)
    setup.benefits = (
        "Mentees: a mentor who has walked the path you're on, twice a month for eight months.\n"
        "Mentors: sharpen your coaching and leadership skills, and count it toward your development goals.\n"
        "Our CEO, Dana Whitfield, is mentoring in this cohort too."
    )
    setup.save()
    registered = {
        r.user.email: r for r in Registration.objects.filter(program=program).select_related("user")
    }
    rows = []
    for user in crowd[:80]:
        reg = registered.get(user.email)
        status = InvitationStatus.REGISTERED if reg and reg.status == "submitted" else InvitationStatus.SENT
        rows.append(
            ProgramInvitation(
                program=program,
                email=user.email,
                status=status,
                registration=reg,
                sent_at=timezone.now() - timedelta(days=9),
            )
        )
    rows += [
        ProgramInvitation(
            program=program,
            email=f"contractor{i}@partner.test",
            status=InvitationStatus.SENT,
            sent_at=timezone.now() - timedelta(days=9),
        )
        for i in range(1, 9)
    ]
    rows.append(
        ProgramInvitation(
            program=program,
            email="bounced@partner.test",
            status=InvitationStatus.FAILED,
            error="550 5.1.1 mailbox unavailable",
        )
    )
    ProgramInvitation.objects.bulk_create(rows, ignore_conflicts=True)


def _pairing(org: Organization, admin: User) -> None:
    """Pairing set up everywhere people registered; the running program published, the peer
    program mid-review with draft proposals."""
    for program in Program.objects.filter(organization=org).exclude(status=Status.DRAFT):
        reviewed = program.created_at + timedelta(days=3)
        ProgramSetup.objects.get_or_create(
            program=program, defaults={"access_reviewed_at": reviewed, "emails_reviewed_at": reviewed}
        )
        settings = settings_for(program)
        if settings.configured_at:
            continue
        criteria_reset_to_defaults(program=program)
        settings.mentee_choice = program.slug == "hand-up-mentorship"
        settings.exclude_reporting_line = program.slug == "emerging-leaders-2026"
        settings_save(settings=settings)
        if (
            program.status in (Status.PAIRING, Status.RUNNING, Status.COMPLETED)
            and program.structure != "flash"
        ):
            final = program.status
            # Pairing happened while the program was pairing; the history says when.
            Program.objects.filter(pk=program.pk).update(status=Status.PAIRING)
            program.status = Status.PAIRING
            run = MatchRun.objects.create(program=program, by=admin, objective=settings.objective)
            run_matching.call(run.pk)
            if final != Status.PAIRING:
                proposals_publish(program=program, by=admin, notify=False)
            Program.objects.filter(pk=program.pk).update(status=final)
            program.status = final
            _date_mentorships(program)
        if settings.mentee_choice:
            _requests_for(program, named_mentor=User.objects.get(email="mentor@northwind.test"))


def _date_mentorships(program: Program) -> None:
    """Published mentorships began when the program started; a completed program's completed
    at its end (as the sweep does on the day)."""
    started = _on(program.starts_on, timezone.now())
    ran = started - timedelta(days=3)
    Mentorship.objects.filter(program=program).update(started_at=started)
    MentorshipEvent.objects.filter(mentorship__program=program).update(at=started)
    MatchRun.objects.filter(program=program).update(created_at=ran, finished_at=ran + timedelta(seconds=2))
    if program.status == Status.COMPLETED:
        mentorships_complete(program=program, by=None)
        ended = _on(program.ends_on, timezone.now())
        Mentorship.objects.filter(program=program).update(ended_at=ended)
        MentorshipEvent.objects.filter(mentorship__program=program, kind="completed").update(at=ended)


def _requests_for(program: Program, named_mentor: User) -> None:
    """Two mentees have asked the demo mentor, so their requests page has something to answer."""
    mentor = Registration.objects.get(program=program, user=named_mentor)
    mentees = Registration.objects.filter(program=program, status="submitted", role="mentee").exclude(
        user__email="mentee@northwind.test"
    )
    asked = 0
    for mentee in mentees.order_by("pk"):
        try:
            request_create(program=program, mentee=mentee, mentor=mentor, message=REQUEST_NOTES[asked])
        except ValidationError:
            continue
        asked += 1
        if asked == len(REQUEST_NOTES):
            return


def _on(day: date | None, fallback: datetime) -> datetime:
    """A working morning on a date, never in the future."""
    if day is None:
        return fallback
    return min(datetime.combine(day, time(14, 30), tzinfo=UTC), timezone.now())  # morning in America


def _history(program: Program, status: Status, admin: User) -> None:
    """The program's lifecycle so far, each move dated by the program's own dates: registration
    opened on its first day, pairing when it closed, running from the start, completed at the end."""
    now = timezone.now()
    created = _on(program.registration_opens_on, now - timedelta(days=30)) - timedelta(days=21)
    Program.objects.filter(pk=program.pk).update(created_at=created)
    program.created_at = created
    when = {
        Status.REGISTRATION: _on(program.registration_opens_on, created + timedelta(days=7)),
        # An always-open program pairs as people arrive: from a week before it starts.
        Status.PAIRING: _on(
            program.starts_on - timedelta(days=7)
            if program.enrollment == "open" and program.starts_on
            else program.registration_closes_on,
            created + timedelta(days=14),
        ),
        Status.RUNNING: _on(program.starts_on, created + timedelta(days=21)),
        Status.COMPLETED: _on(program.ends_on and program.ends_on + timedelta(days=1), now),
        Status.ARCHIVED: _on(program.ends_on and program.ends_on + timedelta(days=30), now),
    }
    last = created
    for before, after in pairwise(PATH[: PATH.index(status) + 1]):
        last = max(when[after], last + timedelta(minutes=1))  # strictly in order
        StatusChange.objects.create(program=program, from_status=before, to_status=after, by=admin, at=last)


REQUEST_NOTES = [
    "I'd love to learn how you moved into engineering management — I'm weighing the same step.",
    "Your talk on stakeholder management stuck with me. Could you mentor me on it this year?",
]
PATH = [Status.DRAFT, Status.REGISTRATION, Status.PAIRING, Status.RUNNING, Status.COMPLETED, Status.ARCHIVED]


@transaction.atomic
def load_demo() -> dict[str, int]:
    rng = random.Random(7)  # the same people every time
    today = timezone.localdate()
    org, _ = Organization.objects.get_or_create(
        slug="northwind",
        defaults=dict(
            name="Northwind Traders", email_display_name="Northwind Mentoring", primary_colour="#0f766e"
        ),
    )
    if not org.logo_content_type:
        org.logo, org.logo_content_type, org.logo_version = _logo_png(), "image/png", 1
        org.save(update_fields=["logo", "logo_content_type", "logo_version"])
    # Proven the way a real one is: the demo administrator's verified email is at the domain.
    AllowedDomain.objects.get_or_create(
        organization=org,
        domain="northwind.test",
        defaults={"verified_at": timezone.now(), "proof": DomainProof.ADMIN_EMAIL},
    )

    named = {}
    for email, name, title, dept, tz, role in PEOPLE:
        named[email] = _person(email, name, title, dept, tz)
        Membership.objects.get_or_create(organization=org, user=named[email], defaults={"role": role})
    crowd = _crowd_users(org, _crowd(rng, CROWD))
    _reporting_lines(crowd)
    admin = named["admin@northwind.test"]
    OrgInvitation.objects.get_or_create(
        organization=org,
        email="riley.chen@northwind.test",
        defaults={"role": Role.PROGRAM_MANAGER, "invited_by": admin},
    )

    for spec in _programs(today):
        n_mentors, n_mentees = spec.pop("mentors"), spec.pop("mentees")
        slug, status = spec.pop("slug"), spec.pop("status")
        program, created = Program.objects.get_or_create(
            organization=org, slug=slug, defaults={**spec, "status": status, "created_by": admin}
        )
        if created:
            _history(program, status, admin)
        if created and (n_mentors or n_mentees):
            _register_crowd(program, rng, crowd, named, n_mentors, n_mentees)
    _hand_up_setup(Program.objects.get(organization=org, slug="hand-up-mentorship"), crowd)
    _pairing(org, admin)
    return {
        "people": Membership.objects.filter(organization=org).count(),
        "programs": Program.objects.filter(organization=org).count(),
        "registrations": Registration.objects.filter(program__organization=org).count(),
    }
