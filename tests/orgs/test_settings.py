import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

pytestmark = pytest.mark.django_db
URL = "/o/acme/settings/"


def png(size=(64, 32)):  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return SimpleUploadedFile("logo.png", buf.getvalue(), content_type="image/png")


def post(client, **extra):  # type: ignore[no-untyped-def]
    data = {
        "name": "Acme",
        "email_display_name": "Acme Mentoring",
        "primary_colour": "#123456",
        "custom_domain": "",
    }
    data.update(extra)
    return client.post(URL, data)


def test_admin_sets_branding_and_logo(client_for, alice, acme):
    client = client_for(alice)
    response = post(client, logo_upload=png(), custom_domain="Mentoring.Acme.test")
    assert response.status_code == 302
    acme.refresh_from_db()
    assert (acme.primary_colour, acme.custom_domain, acme.logo_content_type) == (
        "#123456",
        "mentoring.acme.test",
        "image/png",
    )
    page = client.get("/o/acme/").content.decode()
    assert "/brand.css?colour=123456" in page and acme.logo_url in page
    logo = client.get(acme.logo_url)
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"


def test_logo_must_be_a_real_image(client_for, alice, acme):
    fake = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = post(client_for(alice), logo_upload=fake)
    assert response.status_code == 200
    assert "logo_upload" in response.context["form"].errors
    acme.refresh_from_db()
    assert acme.logo_content_type == "" and acme.primary_colour != "#123456"


def test_logo_size_is_limited(client_for, alice, acme, settings):
    settings.MAX_IMAGE_BYTES = 200
    response = post(client_for(alice), logo_upload=png((300, 300)))
    assert "too large" in str(response.context["form"].errors["logo_upload"])


@pytest.mark.parametrize(
    ("field", "value"), [("primary_colour", "red"), ("custom_domain", "http://x.test/a")]
)
def test_bad_values_are_refused(client_for, alice, acme, field, value):
    response = post(client_for(alice), **{field: value})
    assert field in response.context["form"].errors


def test_a_proven_custom_domain_is_unique(client_for, alice, globex):
    globex.custom_domain = "mentoring.shared.test"
    globex.custom_domain_verified_at = timezone.now()
    globex.save()
    response = post(client_for(alice), custom_domain="mentoring.shared.test")
    assert "Another organization" in str(response.context["form"].errors["custom_domain"])


def test_member_is_forbidden(client_for, bob):
    assert post(client_for(bob)).status_code == 403


def test_outsider_gets_404(client_for, charlie):
    assert post(client_for(charlie)).status_code == 404


def test_line_breaks_in_the_sender_name_are_refused(client_for, alice, acme):
    response = post(client_for(alice), email_display_name="Evil\r\nBcc: x@evil.test")
    assert response.status_code == 200 and "email_display_name" in response.context["form"].errors
    acme.refresh_from_db()
    assert "Bcc" not in acme.email_display_name
