from typing import Any

from django import forms

from kindred.pairing.models import Criterion, Objective, PairingSettings
from kindred.programs.models import Program
from kindred.registration.models import Question


class SettingsForm(forms.ModelForm):
    class Meta:
        model = PairingSettings
        fields = (
            "objective",
            "min_score",
            "max_time_zone_gap",
            "exclude_same_department",
            "exclude_reporting_line",
            "circle_size",
            "mentee_choice",
            "mentor_approval",
            "request_expiry_days",
        )
        widgets = {"objective": forms.RadioSelect}
        labels = {
            "min_score": "Minimum score (%)",
            "max_time_zone_gap": "Largest time-zone gap (hours)",
            "exclude_same_department": "Never pair people from the same department",
            "exclude_reporting_line": "Never pair people in the same reporting line",
            "circle_size": "Peer circle size",
            "mentee_choice": "Let mentees choose their mentor",
            "mentor_approval": "Mentors approve requests",
            "request_expiry_days": "Requests expire after (days)",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        structure = self.instance.program.structure
        if structure != "peer":
            del self.fields["circle_size"]
        if structure in ("peer", "flash"):  # no mentor to choose
            for name in ("mentee_choice", "mentor_approval", "request_expiry_days"):
                del self.fields[name]


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = (
            "name",
            "mentee_question",
            "mentor_question",
            "comparison",
            "weight",
            "reverse",
            "min_gap",
            "max_difference",
        )
        labels = {
            "mentee_question": "Mentee's question",
            "mentor_question": "Mentor's question",
            "reverse": "Reverse (mentor ranks lower)",
        }

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        questions = Question.objects.filter(program=program).exclude(builtin__in=["role", "capacity"])
        for name in ("mentee_question", "mentor_question"):
            self.fields[name].queryset = questions  # type: ignore[attr-defined]
            self.fields[name].label_from_instance = lambda q: q.text[:90]  # type: ignore[attr-defined]


class RunForm(forms.Form):
    objective = forms.ChoiceField(choices=Objective.choices, widget=forms.RadioSelect)
