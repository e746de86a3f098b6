from typing import Any, cast

from django import forms
from django.http import QueryDict

from kindred.lib.forms import text_limits
from kindred.lib.ids import parse_id
from kindred.orgs.models import SkillKind
from kindred.programs.models import Program
from kindred.registration.models import AccessMode, ProgramSetup, Question, QuestionKind
from kindred.registration.questionnaire import OptionEdit

OPTION_LABEL_MAX_LENGTH = 200  # QuestionOption.label


class QuestionForm(forms.ModelForm):
    """A custom question. Options arrive as repeated `option_label` / `option_id` inputs, in order;
    an emptied label removes the option."""

    class Meta:
        model = Question
        fields = (
            "section",
            "text",
            "help_text",
            "kind",
            "audience",
            "required",
            "max_choices",
            "min_value",
            "max_value",
        )
        labels = {
            "text": "Question",
            "kind": "Type",
            "audience": "Who answers it",
            "required": "An answer is required",
        }
        help_texts = {"section": "Questions are grouped into steps by section."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.option_edits: list[OptionEdit] = []
        if self.instance.pk and self.instance.builtin:
            for name in ("kind", "audience"):
                self.fields[name].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        post = self.data if isinstance(self.data, QueryDict) else QueryDict(mutable=True)
        labels, ids = post.getlist("option_label"), post.getlist("option_id")
        edits = []
        for i, label in enumerate(labels):
            raw_id = ids[i] if i < len(ids) else ""
            if not label.strip():
                continue
            if len(label.strip()) > OPTION_LABEL_MAX_LENGTH:
                raise forms.ValidationError(
                    f"Keep each option under {OPTION_LABEL_MAX_LENGTH} characters "
                    f"(one is {len(label.strip()):,})."
                )
            option_id = parse_id(raw_id) if raw_id else None
            if raw_id and option_id is None:
                raise forms.ValidationError("An option was not recognised; reload the page.")
            edits.append(OptionEdit(option_id, label.strip()))
        self.option_edits = edits
        return data

    def option_rows(self) -> list[dict[str, Any]]:
        """The option inputs to show: what was posted, else the question's options, plus blanks."""
        if self.is_bound:
            post = self.data if isinstance(self.data, QueryDict) else QueryDict()
            rows = [{"id": e.id or "", "label": e.label} for e in self.option_edits] or [
                {"id": i, "label": label}
                for i, label in zip(post.getlist("option_id"), post.getlist("option_label"), strict=False)
                if label.strip()
            ]
        elif self.instance.pk:
            rows = [{"id": o.pk, "label": o.label} for o in self.instance.options.filter(archived=False)]
        else:
            rows = []
        return rows + [{"id": "", "label": ""} for _ in range(max(2, 4 - len(rows)))]


class ImportForm(forms.Form):
    source = forms.ModelChoiceField(queryset=Program.objects.none(), label="Copy the questions of")

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["source"]).queryset = Program.objects.filter(
            organization_id=program.organization_id
        ).exclude(pk=program.pk)


SKILL_NAME_MAX_LENGTH = 120  # Skill.name


class SkillForm(forms.Form):
    kind = forms.ChoiceField(choices=SkillKind.choices)
    name = forms.CharField(max_length=SKILL_NAME_MAX_LENGTH)


@text_limits(benefits=5000)
class AccessForm(forms.ModelForm):
    class Meta:
        model = ProgramSetup
        fields = ("access_mode", "benefits")
        widgets = {"access_mode": forms.RadioSelect, "benefits": forms.Textarea(attrs={"rows": 5})}
        labels = {"access_mode": "Who may register", "benefits": "Benefits (landing page)"}
        help_texts = {
            "benefits": "What mentors and mentees get out of it. The seed's advice: focus on the benefits, "
            "and get leadership on board."
        }


class InviteForm(forms.Form):
    emails = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "one@example.com, two@example.com"}),
        required=False,
        max_length=2 * 1024 * 1024,  # as much as the file may hold
        help_text="Paste addresses separated by commas, spaces or new lines.",
    )
    file = forms.FileField(
        required=False, help_text="Or upload a .txt or .csv file with one address per line."
    )

    MAX_FILE = 2 * 1024 * 1024

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = data.get("emails") or ""
        upload = data.get("file")
        if upload:
            if upload.size > self.MAX_FILE:
                raise forms.ValidationError("The file is too large (2 MB at most).")
            try:
                text += "\n" + upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError("The file must be plain text (UTF-8).") from exc
        if not text.strip():
            raise forms.ValidationError("Paste at least one email address or upload a file.")
        data["text"] = text
        return data


@text_limits(invitation_body=10_000, reminder_body=10_000)
class EmailTemplatesForm(forms.ModelForm):
    class Meta:
        model = ProgramSetup
        fields = ("invitation_subject", "invitation_body", "reminder_subject", "reminder_body")
        widgets = {
            "invitation_body": forms.Textarea(attrs={"rows": 9}),
            "reminder_body": forms.Textarea(attrs={"rows": 7}),
        }


QUESTION_KIND_HELP = {
    QuestionKind.SINGLE: "One option.",
    QuestionKind.MULTIPLE: "Several options, with an optional maximum.",
    QuestionKind.NUMBER: "A number between a minimum and a maximum.",
    QuestionKind.SCALE: "1 to 5.",
    QuestionKind.SHORT_TEXT: "A line of text.",
    QuestionKind.LONG_TEXT: "A paragraph.",
    QuestionKind.TIMEZONE: "A time zone from the list.",
}
ACCESS_HELP = {
    AccessMode.OPEN: "Anyone who is a member, or whose verified email is at one of your allowed domains.",
    AccessMode.INVITATION: "Only people you invite by email (each gets a personal link).",
    AccessMode.BOTH: "Your organization, plus anyone you invite.",
}
