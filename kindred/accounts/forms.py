from typing import Any

from django import forms
from django.http import HttpRequest

from kindred.accounts.models import User
from kindred.lib.images import CheckedImage, check_image
from kindred.lib.timezones import time_zone_choices


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    name = forms.CharField(
        max_length=150, label="Your name", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        user.name = self.cleaned_data["name"].strip()
        user.save(update_fields=["name"])


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=time_zone_choices, help_text="Every time in Kindred is shown in it."
    )
    photo_upload = forms.ImageField(
        label="Photo", required=False, help_text="PNG, JPEG, GIF or WebP, up to 1 MB.", widget=forms.FileInput
    )
    remove_photo = forms.BooleanField(label="Remove my photo", required=False)

    class Meta:
        model = User
        fields = ("name", "job_title", "department", "manager_email", "time_zone")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        self.checked_photo: CheckedImage | None = None

    def clean_manager_email(self) -> str:
        email = str(self.cleaned_data.get("manager_email") or "").strip().lower()
        if email and email == self.instance.email.lower():
            raise forms.ValidationError("Give your manager's email, not your own.")
        return email

    def clean_photo_upload(self) -> Any:
        upload = self.cleaned_data.get("photo_upload")
        if upload:
            upload.seek(0)
            self.checked_photo = check_image(upload)
        return upload
