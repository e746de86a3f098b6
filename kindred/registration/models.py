import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from kindred.orgs.models import Skill
from kindred.programs.models import Program, Structure
from kindred.registration.pool import LABELS_FOR_OTHERS, POOL_TEXTS


class ParticipantRole(models.TextChoices):
    MENTOR = "mentor", "Mentor"
    MENTEE = "mentee", "Mentee"
    BOTH = "both", "Both mentor and mentee"


_ROLE_PHRASES: dict[str, str] = {
    ParticipantRole.MENTOR: "a mentor",
    ParticipantRole.MENTEE: "a mentee",
    ParticipantRole.BOTH: "both mentor and mentee",
}


class RegistrationStatus(models.TextChoices):
    DRAFT = "draft", "Started"
    SUBMITTED = "submitted", "Registered"
    WITHDRAWN = "withdrawn", "Withdrawn"


class QuestionKind(models.TextChoices):
    SINGLE = "single", "Single choice"
    MULTIPLE = "multiple", "Multiple choice"
    NUMBER = "number", "Number"
    SCALE = "scale", "Scale (1–5)"
    SHORT_TEXT = "short_text", "Short text"
    LONG_TEXT = "long_text", "Long text"
    TIMEZONE = "timezone", "Time zone"


CHOICE_KINDS = {QuestionKind.SINGLE, QuestionKind.MULTIPLE}


class Audience(models.TextChoices):
    BOTH = "both", "Mentors and mentees"
    MENTOR = "mentor", "Mentors only"
    MENTEE = "mentee", "Mentees only"


class OptionSource(models.TextChoices):
    OWN = "own", "Its own options"
    SKILLS = "skills", "The organization's skill list"
    GOALS = "goals", "The organization's goal list"


class Builtin(models.TextChoices):
    NONE = "", "—"
    ROLE = "role", "Role"
    CAPACITY = "capacity", "Capacity"


ROLE_SECTION = "Role selection"


class Question(models.Model):
    """One question of a program's questionnaire. Choice questions have ordered options (order
    matters: seniority is an ordinal scale). Pool questions that the seed pairs (skills to grow ↔
    strengths) point at each other through `linked`, so pairing can offer them as criteria."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="questions")
    section = models.CharField(max_length=80, default="Participant profile")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=12, choices=QuestionKind.choices)
    text = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=True)
    audience = models.CharField(max_length=6, choices=Audience.choices, default=Audience.BOTH)
    max_choices = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Multiple choice only.")
    min_value = models.IntegerField(null=True, blank=True)
    max_value = models.IntegerField(null=True, blank=True)
    option_source = models.CharField(max_length=6, choices=OptionSource.choices, default=OptionSource.OWN)
    builtin = models.CharField(max_length=10, choices=Builtin.choices, blank=True, default="")
    pool_key = models.CharField(max_length=40, blank=True)
    linked = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("position", "pk")
        indexes = [models.Index(fields=["program", "position"])]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "builtin"],
                condition=~models.Q(builtin=""),
                name="one_builtin_of_each_kind",
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_choice(self) -> bool:
        return self.kind in CHOICE_KINDS

    @property
    def label_for_others(self) -> str:
        """The question as shown next to someone's answer to the people they may be paired with:
        the pool's third-person label, or the admin's own wording for a custom question."""
        label = LABELS_FOR_OTHERS.get(self.pool_key, "")
        # A reworded pool question may no longer mean what the stock label says.
        return label if label and self.text == POOL_TEXTS.get(self.pool_key) else self.text

    def asked_of(self, role: str) -> bool:
        """Whether a participant registering as `role` (mentor, mentee or both) answers it."""
        return self.audience == Audience.BOTH or role == ParticipantRole.BOTH or self.audience == role


class QuestionOption(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    value = models.CharField(max_length=40, blank=True, help_text="A fixed value for built-in questions.")
    skill = models.ForeignKey(Skill, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ("position", "pk")

    def __str__(self) -> str:
        return self.label


def _token() -> str:
    return secrets.token_urlsafe(24)


class Registration(models.Model):
    """One person's participation in one program: their role, capacity and answers."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations")
    role = models.CharField(max_length=10, choices=ParticipantRole.choices, blank=True)
    capacity = models.PositiveSmallIntegerField(
        default=1, help_text="How many mentees a mentor can take on (group size in group programs)."
    )
    status = models.CharField(
        max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.DRAFT
    )
    draft = models.JSONField(default=dict, blank=True, help_text="Unsubmitted answers, saved as typed.")
    source = models.CharField(max_length=10, default="form")  # form, import
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    import_notice_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When an import's 'you are registered' email was claimed for sending.",
    )

    class Meta:
        ordering = ("program", "-submitted_at")
        constraints = [models.UniqueConstraint(fields=["program", "user"], name="registration_unique")]
        indexes = [models.Index(fields=["program", "status", "role"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.program}"

    @property
    def is_mentor(self) -> bool:
        return self.role in (ParticipantRole.MENTOR, ParticipantRole.BOTH)

    @property
    def is_peer(self) -> bool:
        """In a peer-to-peer program everyone is a peer, whatever the role column says."""
        return self.program.structure == Structure.PEER

    @property
    def role_phrase(self) -> str:
        """How this person takes part, for a sentence: "You joined as a mentor"."""
        if self.is_peer:
            return "a peer"
        return _ROLE_PHRASES.get(self.role, "a participant")

    @property
    def is_mentee(self) -> bool:
        return self.role in (ParticipantRole.MENTEE, ParticipantRole.BOTH)


class Answer(models.Model):
    """A submitted answer. Choice answers are one row per chosen option, so answers can be
    filtered and counted in SQL and loaded for pairing in one query."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    option = models.ForeignKey(
        QuestionOption, null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    number = models.FloatField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["registration", "question"]),
            models.Index(fields=["question", "option"]),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.option_id or self.number or self.text[:20]}"


class AccessMode(models.TextChoices):
    OPEN = "open", "Open to everyone in the organization"
    INVITATION = "invitation", "Invitation only"
    BOTH = "both", "Open to the organization, and invitations to others"


DEFAULT_INVITATION_SUBJECT = "You're invited to {program_name}"
DEFAULT_INVITATION_BODY = (
    "Hi {first_name},\n\n"
    "{organization} is starting {program_name}, a mentoring program, and we'd love you to take part "
    "as a mentor, a mentee, or both.\n\n"
    "Register before {deadline}:\n{link}\n\n"
    "It takes about five minutes."
)
DEFAULT_REMINDER_SUBJECT = "Reminder: register for {program_name} before {deadline}"
DEFAULT_REMINDER_BODY = (
    "Hi {first_name},\n\n"
    "Registration for {program_name} closes on {deadline}. If you'd like to take part, "
    "register here:\n{link}\n\nIf you've decided not to, no action is needed."
)


class ProgramSetup(models.Model):
    """A program's registration settings: who may register, the landing page's pitch, and the
    invitation and reminder emails."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="setup")
    access_mode = models.CharField(max_length=10, choices=AccessMode.choices, default=AccessMode.OPEN)
    access_reviewed_at = models.DateTimeField(null=True, blank=True)
    benefits = models.TextField(blank=True, help_text="Why join: shown on the program's landing page.")
    invitation_subject = models.CharField(max_length=200, default=DEFAULT_INVITATION_SUBJECT)
    invitation_body = models.TextField(default=DEFAULT_INVITATION_BODY)
    reminder_subject = models.CharField(max_length=200, default=DEFAULT_REMINDER_SUBJECT)
    reminder_body = models.TextField(default=DEFAULT_REMINDER_BODY)
    emails_reviewed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Setup of {self.program}"


class InvitationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    REGISTERED = "registered", "Registered"


class ProgramInvitation(models.Model):
    """A personal invitation to register for a program, sent once by the worker."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token = models.CharField(max_length=40, unique=True, default=_token, editable=False)
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.QUEUED
    )
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When a worker last took it to send; a row still `sending` an hour later is stuck.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminder_due = models.BooleanField(default=False)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    registration = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "email")
        constraints = [models.UniqueConstraint(fields=["program", "email"], name="program_invitation_unique")]
        indexes = [models.Index(fields=["program", "status"])]

    def __str__(self) -> str:
        return f"{self.email} → {self.program}"

    def get_absolute_url(self) -> str:
        return reverse("registration:invited", args=[self.token])


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"


class ImportStatus(models.TextChoices):
    READING = "reading", "Reading the file"
    UNREADABLE = "unreadable", "Unreadable"
    UPLOADED = "uploaded", "Uploaded"
    VALIDATED = "validated", "Checked"
    IMPORTING = "importing", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """One upload of registrants from a CSV or XLSX file: its column mapping, the report of bad
    rows, and the progress of the background import. The file lives in the row (web processes are
    stateless) until the worker has read it; from then on its rows do, until the import is done."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    format = models.CharField(max_length=4, choices=ImportFormat.choices)
    content = models.BinaryField(editable=False)
    headers = models.JSONField(default=list, help_text="The file's header row, as read.")
    rows = models.JSONField(
        default=list, help_text="[[line, [cell, …]], …]: the file's rows with data, read once by the worker."
    )
    preview = models.JSONField(default=list, help_text="The first few of `rows`, for the mapping page.")
    mapping = models.JSONField(
        default=list,
        help_text='One target per column: "email", "name", "job_title", "department", '
        '"q<question id>" or "" (ignored).',
    )
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0, help_text="Rows with data, the header not counted.")
    good_rows = models.PositiveIntegerField(default=0, help_text="Rows that passed the check.")
    existing_rows = models.PositiveIntegerField(
        default=0, help_text="Good rows of people already registered."
    )
    joining_rows = models.PositiveIntegerField(
        default=0,
        help_text="Good rows of people who are not members of the organization: new to Kindred (an "
        "account is created) or invited (their account is elsewhere; never added). One count, so the "
        "importer is never told who has an account.",
    )
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    joining_count = models.PositiveIntegerField(
        default=0, help_text="People new to the organization this run created or invited (see joining_rows)."
    )
    fresh = models.JSONField(
        default=dict,
        blank=True,
        help_text='{"registrations": [...], "users": [...]}: who the landed chunks newly registered and '
        "which accounts they created, to tell them once the whole import has landed.",
    )
    bad_rows = models.JSONField(
        default=list, blank=True, help_text="[{line, reason}], line 1 being the header."
    )
    error = models.CharField(max_length=500, blank=True)
    notify = models.BooleanField(
        default=True, help_text="Email the people the import registers (new accounts get a welcome link)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    validated_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the worker began this step: reading the file, then (set again) importing it.",
    )
    progress_at = models.DateTimeField(null=True, blank=True, help_text="When the last chunk landed.")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes = [models.Index(fields=["program", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.file_name} → {self.program}"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return int(100 * self.processed_rows / self.good_rows) if self.good_rows else 0
