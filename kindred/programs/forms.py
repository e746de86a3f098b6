from typing import Any

from django import forms

from kindred.lib.forms import text_limits
from kindred.programs.models import STRUCTURE_HELP, Program, Purpose, Status, Structure


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class StructureSelect(forms.RadioSelect):
    option_template_name = "programs/structure_option.html"

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["help"] = STRUCTURE_HELP.get(option["value"], "")
        return option


@text_limits(description=5000)
class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = (
            "name",
            "description",
            "purpose",
            "custom_purpose",
            "structure",
            "registration_opens_on",
            "registration_closes_on",
            "starts_on",
            "ends_on",
            "cadence",
            "enrollment",
        )
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "structure": StructureSelect,
            "registration_opens_on": DateInput(),
            "registration_closes_on": DateInput(),
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "cadence": forms.RadioSelect,
            "enrollment": forms.RadioSelect,
        }
        labels = {
            "purpose": "Primary goal",
            "starts_on": "Program starts",
            "ends_on": "Program ends",
            "registration_opens_on": "Registration opens",
            "registration_closes_on": "Registration closes",
            "cadence": "Meeting cadence",
            "enrollment": "Enrollment",
        }
        help_texts = {
            "description": "What participants will get out of it. Shown on the program's page.",
            "custom_purpose": "Only when the goal is “Another goal”.",
            "starts_on": "Most programs run 6 to 12 months.",
            "cadence": "Pairs should meet at least monthly.",
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("purpose") == Purpose.CUSTOM and not (data.get("custom_purpose") or "").strip():
            self.add_error("custom_purpose", "Describe the program's goal.")
        return data

    def duration_warning(self) -> str:
        """Non-blocking guidance: the seed recommends 6–12 months (flash programs are short)."""
        starts, ends = self.cleaned_data.get("starts_on"), self.cleaned_data.get("ends_on")
        if not (starts and ends) or self.cleaned_data.get("structure") == Structure.FLASH:
            return ""
        months = (ends - starts).days / 30.44
        if months < 5.5:
            return f"This program lasts {months:.1f} months; most mentoring programs run 6 to 12 months."
        if months > 12.5:
            return f"This program lasts {months:.1f} months; consider 6 to 12 months and a new cohort after."
        return ""


class StatusForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices)
