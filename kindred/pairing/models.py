from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from kindred.programs.models import Program
from kindred.registration.models import Question, Registration


class Objective(models.TextChoices):
    MAX_PARTICIPATION = "max_participation", "Most people matched first, then the best scores"
    MAX_SCORE = "max_score", "Best total score"
    STABLE = "stable", "Stable (no mentee and mentor would both rather have each other)"


class Comparison(models.TextChoices):
    OVERLAP = "overlap", "Share at least one answer (more is better)"
    EQUAL = "equal", "Same answer"
    ORDINAL = "ordinal", "Mentor ranks higher on the scale"
    CLOSENESS = "closeness", "Close in value"


class Weight(models.TextChoices):
    IGNORE = "ignore", "Ignore"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    MUST = "must", "Must-have"


# The engine's integer weights (1..10) behind the admin's words.
ENGINE_WEIGHT: dict[str, int | str] = {"ignore": 0, "low": 2, "medium": 5, "high": 10, "must": "must"}


class PairingSettings(models.Model):
    """How a program pairs people: the objective, constraints and mentee choice."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="pairing_settings")
    objective = models.CharField(
        max_length=20, choices=Objective.choices, default=Objective.MAX_PARTICIPATION
    )
    min_score = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(100)],
        help_text="Pairs scoring below this (0–100) are never proposed.",
    )
    max_time_zone_gap = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Hours. Leave empty for no limit."
    )
    exclude_same_department = models.BooleanField(default=False)
    exclude_reporting_line = models.BooleanField(
        default=False,
        help_text="Nobody is paired with their manager, their manager's manager, and so on, "
        "nor with anyone who reports to them (from the manager's email in profiles).",
    )
    mentee_choice = models.BooleanField(
        default=False, help_text="Mentees pick a mentor from recommendations."
    )
    mentor_approval = models.BooleanField(default=True, help_text="Mentors accept or decline each request.")
    request_expiry_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    circle_size = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(2), MaxValueValidator(8)],
        help_text="Peer programs: 2 for pairs, 3+ for circles.",
    )
    configured_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Pairing of {self.program}"


class Criterion(models.Model):
    """One weighted comparison between a mentee question and a mentor question."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=80)
    comparison = models.CharField(max_length=10, choices=Comparison.choices)
    mentee_question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="criteria_as_mentee")
    mentor_question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="criteria_as_mentor")
    weight = models.CharField(max_length=6, choices=Weight.choices, default=Weight.MEDIUM)
    reverse = models.BooleanField(
        default=False, help_text="Ordinal only: the mentor ranks lower (reverse mentoring)."
    )
    min_gap = models.PositiveSmallIntegerField(default=1)
    max_difference = models.FloatField(
        default=6, help_text="Closeness only: the difference at which similarity is 0."
    )

    class Meta:
        ordering = ("position", "pk")

    def __str__(self) -> str:
        return self.name


class Exclusion(models.Model):
    """A pair that must never be proposed (entered by an admin, or left by "not a good fit")."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="exclusions")
    mentee = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "mentee", "mentor"], name="exclusion_unique")
        ]

    def __str__(self) -> str:
        return f"never {self.mentee_id}–{self.mentor_id}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class MatchRun(models.Model):
    """One run of the engine over a program's registrations, done by the worker."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="match_runs")
    objective = models.CharField(max_length=20, choices=Objective.choices)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=80, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.program}"


class Proposal(models.Model):
    """A draft pair waiting for the admin's review. Nothing reaches participants until publish."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="proposals")
    mentee = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    locked = models.BooleanField(default=False)
    manual = models.BooleanField(default=False)
    circle = models.PositiveIntegerField(
        null=True, blank=True, help_text="Peer circles: members share a number."
    )
    run = models.ForeignKey(
        MatchRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-score", "pk")
        constraints = [
            models.UniqueConstraint(fields=["program", "mentee", "mentor"], name="proposal_unique")
        ]

    def __str__(self) -> str:
        return f"{self.mentee_id} ← {self.mentor_id}"


class MentorshipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    ENDED = "ended", "Ended early"


class Mentorship(models.Model):
    """A published relationship: one mentor (none for peers) with one or more mentees (a group)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="mentorships")
    mentor = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.PROTECT, related_name="mentoring"
    )
    status = models.CharField(
        max_length=10, choices=MentorshipStatus.choices, default=MentorshipStatus.ACTIVE
    )
    score = models.FloatField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("-started_at", "pk")

    def __str__(self) -> str:
        return f"Mentorship {self.pk} in {self.program}"


class MentorshipMember(models.Model):
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="members")
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=6, choices=[("mentee", "Mentee"), ("peer", "Peer")], default="mentee")
    # This mentee's own pair with the mentor, from the proposal (a group's members differ);
    # None when nobody scored it (chosen by the mentee, reassigned): pages explain from answers.
    score = models.FloatField(null=True, blank=True)
    reasons = models.JSONField(null=True, blank=True)
    introduced_at = models.DateTimeField(
        null=True, blank=True, help_text="When the introduction email went out (once per member)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mentorship", "registration"], name="mentorship_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} in {self.mentorship_id}"


class MentorshipEvent(models.Model):
    """Who changed a mentorship, how, and when."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-at", "-pk")

    def __str__(self) -> str:
        return f"{self.kind} of {self.mentorship_id}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the mentor"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"


class MentorRequest(models.Model):
    """A mentee asking a mentor of their choice (programs that let mentees choose)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="mentor_requests")
    mentee = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="requests_made")
    mentor = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="requests_received")
    message = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    response = models.TextField(blank=True)
    more_info = models.TextField(blank=True, help_text="The mentor's question back to the mentee, if any.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    mentorship = models.ForeignKey(
        Mentorship, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["mentee"], condition=models.Q(status="pending"), name="one_pending_request_per_mentee"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentee_id} asks {self.mentor_id}"
