"""The demo organization, Northwind: realistic people and programs in every state.

`load_demo()` is idempotent: people are keyed by email, programs by slug, registrations by
(program, person), so running it again changes nothing that exists. Dates are relative to today
so the demo always looks current (registration open now, a program running now, ...)."""

import io
import random
from datetime import date, timedelta
from itertools import pairwise

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from kindred.accounts.models import User
from kindred.orgs.models import AllowedDomain, Membership, Organization, OrgInvitation, Role
from kindred.programs.models import Program, Status, StatusChange
from kindred.registration.models import Registration

DEMO_PASSWORD = "kindred-demo"
DEMO_LOGINS = (
    ("admin@northwind.test", "administrator of Northwind"),
    ("mentor@northwind.test", "a mentor in Northwind's programs"),
    ("mentee@northwind.test", "a mentee in Northwind's programs"),
)

# (email, name, title, department, time zone, role in the organization)
PEOPLE = [
    (
        "admin@northwind.test",
        "Alex Morgan",
        "Head of Learning & Development",
        "People",
        "America/New_York",
        Role.ADMIN,
    ),
    (
        "mentor@northwind.test",
        "Priya Shah",
        "Senior Engineering Manager",
        "Engineering",
        "Europe/London",
        Role.MEMBER,
    ),
    (
        "mentee@northwind.test",
        "Jordan Lee",
        "Associate Product Designer",
        "Design",
        "America/Chicago",
        Role.MEMBER,
    ),
    (
        "programs@northwind.test",
        "Sam Rivera",
        "Program Manager, Talent",
        "People",
        "America/Denver",
        Role.PROGRAM_MANAGER,
    ),
]
FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Diego",
    "Emma",
    "Farah",
    "Gabriel",
    "Hana",
    "Ivan",
    "Jade",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Paula",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wei",
    "Yara",
    "Zane",
    "Aiko",
    "Bruno",
    "Carmen",
    "Dev",
    "Elif",
    "Felix",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Keira",
    "Luca",
    "Maya",
]
LAST = [
    "Nguyen",
    "Okafor",
    "Schmidt",
    "Tanaka",
    "Silva",
    "Haddad",
    "Kowalski",
    "Johansson",
    "Moreau",
    "Patel",
    "Rossi",
    "Kim",
    "Mensah",
    "Novak",
    "Ortiz",
    "Fischer",
    "Ali",
    "Dubois",
    "Larsen",
    "Costa",
]
DEPARTMENTS = {
    "Engineering": [
        "Software Engineer",
        "Senior Software Engineer",
        "Staff Engineer",
        "Engineering Manager",
        "QA Analyst",
    ],
    "Product": [
        "Associate Product Manager",
        "Product Manager",
        "Senior Product Manager",
        "Director of Product",
    ],
    "Design": ["Product Designer", "Senior Product Designer", "UX Researcher", "Design Lead"],
    "Sales": ["Account Executive", "Sales Development Rep", "Regional Sales Director", "Sales Engineer"],
    "Marketing": ["Content Marketer", "Growth Marketing Manager", "Brand Lead", "VP Marketing"],
    "Finance": ["Financial Analyst", "Senior Accountant", "Controller", "FP&A Manager"],
    "People": ["HR Business Partner", "Recruiter", "L&D Specialist", "People Operations Lead"],
    "Operations": ["Operations Analyst", "Supply Chain Coordinator", "Logistics Manager", "COO Office Lead"],
}
ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Singapore",
    "Australia/Sydney",
    "America/Sao_Paulo",
]


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


def _crowd(rng: random.Random, n: int) -> list[tuple[str, str, str, str, str]]:
    people: list[tuple[str, str, str, str, str]] = []
    seen: set[str] = set()
    while len(people) < n:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}@northwind.test".lower()
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
            mentors=9,
            mentees=15,
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
            starts_on=today - d(30),
            ends_on=today + d(330),
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
    AllowedDomain.objects.get_or_create(organization=org, domain="northwind.test")

    named = {}
    for email, name, title, dept, tz, role in PEOPLE:
        named[email] = _person(email, name, title, dept, tz)
        Membership.objects.get_or_create(organization=org, user=named[email], defaults={"role": role})
    crowd = [_person(*p) for p in _crowd(rng, 60)]
    for user in crowd:
        Membership.objects.get_or_create(organization=org, user=user, defaults={"role": Role.MEMBER})
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
            at = timezone.now() - timedelta(days=200)
            for before, after in pairwise(PATH[: PATH.index(status) + 1]):
                at += timedelta(days=7)
                StatusChange.objects.create(
                    program=program, from_status=before, to_status=after, by=admin, at=at
                )
        if n_mentors or n_mentees:
            pool = crowd[:]
            rng.shuffle(pool)
            mentors, mentees = pool[:n_mentors], pool[n_mentors : n_mentors + n_mentees]
            if status != Status.COMPLETED:
                mentors[0], mentees[0] = named["mentor@northwind.test"], named["mentee@northwind.test"]
            submitted = timezone.now() - timedelta(
                days=max(1, (today - (program.registration_opens_on or today)).days - 1)
            )
            for user in mentors:
                Registration.objects.get_or_create(
                    program=program,
                    user=user,
                    defaults=dict(
                        role="mentor",
                        capacity=rng.choice([1, 1, 2, 3]),
                        status="submitted",
                        submitted_at=submitted,
                    ),
                )
            for user in mentees:
                Registration.objects.get_or_create(
                    program=program,
                    user=user,
                    defaults=dict(role="mentee", status="submitted", submitted_at=submitted),
                )
    return {
        "people": Membership.objects.filter(organization=org).count(),
        "programs": Program.objects.filter(organization=org).count(),
        "registrations": Registration.objects.filter(program__organization=org).count(),
    }
