from typing import Any

from django import forms

from kindred.lib.images import CheckedImage, check_image
from kindred.lib.webmail import is_public_email_domain
from kindred.orgs.models import AllowedDomain, Organization, OrgInvitation, Role
from kindred.orgs.selectors import is_site_host


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(max_length=120, label="Organization name", help_text="e.g. Northwind Traders")


class BrandingForm(forms.ModelForm):
    logo_upload = forms.ImageField(
        label="Logo",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
        help_text="PNG, JPEG, GIF or WebP, up to 1 MB. Shown on every page and email of your organization.",
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the logo")

    class Meta:
        model = Organization
        fields = ("name", "email_display_name", "primary_colour", "custom_domain")
        widgets = {"primary_colour": forms.TextInput(attrs={"type": "color"})}
        help_texts = {
            "primary_colour": "Buttons, links and the email header use it.",
            "custom_domain": "Optional. Point the domain's DNS at this server, then prove it is yours with "
            "the TXT record shown on this page; once proven, participants reach your programs at "
            "https://<domain>/p/<program>/. Changing it starts the proof again.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checked_logo: CheckedImage | None = None

    def clean_custom_domain(self) -> str:
        domain = self.cleaned_data["custom_domain"].strip().lower().rstrip(".")
        if domain and is_site_host(domain):
            raise forms.ValidationError(f"{domain} is this site's own address; use a domain of yours.")
        proven_elsewhere = Organization.objects.filter(
            custom_domain=domain, custom_domain_verified_at__isnull=False
        ).exclude(pk=self.instance.pk)
        if domain and proven_elsewhere.exists():
            raise forms.ValidationError("Another organization already uses this domain.")
        return domain

    def clean_logo_upload(self) -> Any:
        upload = self.cleaned_data.get("logo_upload")
        if upload:
            upload.seek(0)
            self.checked_logo = check_image(upload)
        return upload


class InvitationForm(forms.ModelForm):
    class Meta:
        model = OrgInvitation
        fields = ("email", "role")
        help_texts = {"role": "Administrators manage the organization; program managers run its programs."}


class AllowedDomainForm(forms.ModelForm):
    class Meta:
        model = AllowedDomain
        fields = ("domain",)
        help_texts = {
            "domain": "Your organization's email domain, e.g. northwind.com. Once proven (an administrator "
            "with a verified email there, or a DNS record), people with a verified email at it can join "
            "by themselves."
        }

    def clean_domain(self) -> str:
        domain = self.cleaned_data["domain"].strip().lower().lstrip("@").rstrip(".")
        if is_public_email_domain(domain):
            raise forms.ValidationError(
                f"{domain} is a public email provider: anyone can have an address there. "
                "List your organization's own domain."
            )
        return domain


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
