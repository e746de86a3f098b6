import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from kindred.orgs.models import Organization


class Purpose(models.TextChoices):
    """The seed's ten common goals of a mentoring program, plus the organization's own."""

    EMERGING_LEADERS = "emerging_leaders", "Develop emerging leaders"
    TRAINING = "training", "Reinforce employee training"
    ONBOARDING = "onboarding", "Onboard employees faster"
    DIVERSITY = "diversity", "Promote diversity"
    CAREER = "career", "Support employee career development"
    REMOTE = "remote", "Foster connections between employees in a remote workplace"
    SUCCESSION = "succession", "Aid succession planning and develop high-potential employees"
    CULTURE = "culture", "Improve company culture"
    RETENTION = "retention", "Increase employee retention"
    EMPLOYER_BRAND = "employer_brand", "Support an employer brand that nurtures its talent"
    CUSTOM = "custom", "Another goal (describe it)"


class Structure(models.TextChoices):
    TRADITIONAL = "traditional", "Traditional 1-on-1"
    GROUP = "group", "Group mentoring"
    PEER = "peer", "Peer-to-peer"
    REVERSE = "reverse", "Reverse mentoring"
    FLASH = "flash", "Flash mentoring"


STRUCTURE_HELP = {
    Structure.TRADITIONAL: "Pairs a more senior employee with a junior one.",
    Structure.GROUP: "A mentor takes on several mentees at once, and they learn together.",
    Structure.PEER: "Colleagues at similar levels coach each other.",
    Structure.REVERSE: "The junior employee mentors the senior one — the traditional model reversed.",
    Structure.FLASH: "Mentors and mentees meet once or twice instead of on a recurring schedule.",
}


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    BIWEEKLY = "biweekly", "Every two weeks"
    MONTHLY = "monthly", "Monthly"


class Enrollment(models.TextChoices):
    COHORT = "cohort", "Fixed cohort (everyone starts together)"
    OPEN = "open", "Always open (people join at any time)"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    REGISTRATION = "registration", "Registration open"
    PAIRING = "pairing", "Pairing"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    ARCHIVED = "archived", "Archived"


class Program(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="programs")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60)
    description = models.TextField(blank=True)
    purpose = models.CharField(max_length=30, choices=Purpose.choices, default=Purpose.CAREER)
    custom_purpose = models.CharField("your goal", max_length=200, blank=True)
    structure = models.CharField(max_length=20, choices=Structure.choices, default=Structure.TRADITIONAL)
    registration_opens_on = models.DateField(null=True, blank=True)
    registration_closes_on = models.DateField(null=True, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.MONTHLY)
    enrollment = models.CharField(max_length=10, choices=Enrollment.choices, default=Enrollment.COHORT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-starts_on", "name")
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="program_slug_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("programs:detail", args=[self.organization.slug, self.slug])

    def get_participant_url(self) -> str:
        return reverse("programs:public", args=[self.organization.slug, self.slug])

    @property
    def purpose_text(self) -> str:
        if self.purpose == Purpose.CUSTOM:
            return self.custom_purpose
        return self.get_purpose_display()

    @property
    def structure_help(self) -> str:
        return STRUCTURE_HELP[Structure(self.structure)]

    @property
    def duration_months(self) -> float | None:
        if not (self.starts_on and self.ends_on):
            return None
        return round((self.ends_on - self.starts_on).days / 30.44, 1)

    @property
    def duration_text(self) -> str:
        """How long the program runs, in the unit that reads best: "10 days", "3 weeks", "6 months"
        (a flash program of a week is not "0.2 months")."""
        if not (self.starts_on and self.ends_on):
            return ""
        days = (self.ends_on - self.starts_on).days
        if days < 14 and days % 7:
            return f"{days} day{'s' if days != 1 else ''}"
        if days < 61:
            weeks = round(days / 7)
            return f"{weeks} week{'s' if weeks != 1 else ''}"
        return f"{self.duration_months:g} months"

    @property
    def has_ended(self) -> bool:
        """Completed or archived: nothing about its pairs or registrations changes any more."""
        return self.status in (Status.COMPLETED, Status.ARCHIVED)

    @property
    def meets_on_a_schedule(self) -> bool:
        """Flash mentoring pairs meet once or twice, so a program's cadence does not apply to it."""
        return self.structure != Structure.FLASH

    def registration_window(self, today: dt.date | None = None) -> tuple[bool, str]:
        """Whether people can register today, and if not, why. Registration opens and closes by the
        program's dates on its own, once the program is launched for registration; always-open
        programs keep accepting people while pairing and running."""
        today = today or timezone.localdate()
        if self.status == Status.DRAFT:
            return False, "Registration has not opened yet."
        always_open = self.enrollment == Enrollment.OPEN and self.status in (Status.PAIRING, Status.RUNNING)
        if self.status != Status.REGISTRATION and not always_open:
            return False, "Registration for this program is closed."
        opens, closes = self.registration_opens_on, self.registration_closes_on
        if opens and today < opens:
            return False, f"Registration opens on {opens:%B} {opens.day}, {opens:%Y}."
        if closes and today > closes and not always_open:
            return False, f"Registration closed on {closes:%B} {closes.day}, {closes:%Y}."
        return True, ""


class StatusChange(models.Model):
    """Every lifecycle move, with who made it and when."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-at", "-pk")

    def __str__(self) -> str:
        return f"{self.program}: {self.from_status} → {self.to_status}"
