import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db
URL = "/o/acme/p/hand-up/"


@pytest.fixture
def open_program(program):  # type: ignore[no-untyped-def]
    program.status = "registration"
    program.save()
    return program


def test_visitors_see_an_open_program_branded(client, open_program, acme):
    acme.primary_colour = "#aa3300"
    acme.save()
    response = client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Hand-up Mentorship" in content and "/brand.css?colour=aa3300" in content and "Acme" in content


def test_draft_is_hidden_from_visitors_and_members(client, client_for, program, bob):
    assert client.get(URL).status_code == 404
    assert client_for(bob).get(URL).status_code == 404


def test_draft_is_a_preview_for_staff(client_for, alice, program):
    response = client_for(alice).get(URL)
    assert response.status_code == 200
    assert "Preview" in response.content.decode()


def test_outsider_staff_cannot_preview_a_draft(client_for, charlie, program):
    assert client_for(charlie).get(URL).status_code == 404


def test_custom_domain_serves_the_clean_url(client, settings, open_program, acme):
    settings.ALLOWED_HOSTS = ["mentoring.acme.test", "testserver"]
    settings.CUSTOM_DOMAIN_HOSTS = ["mentoring.acme.test"]
    acme.custom_domain = "mentoring.acme.test"
    acme.custom_domain_verified_at = timezone.now()  # proven by its DNS record
    acme.save()
    response = client.get("/p/hand-up/", HTTP_HOST="mentoring.acme.test")
    assert response.status_code == 200
    assert "Hand-up Mentorship" in response.content.decode()
    index = client.get("/", HTTP_HOST="mentoring.acme.test", follow=True)
    assert "Hand-up Mentorship" in index.content.decode()


def test_clean_url_without_custom_domain_is_404(client, open_program):
    assert client.get("/p/hand-up/").status_code == 404


def test_user_text_is_escaped(client, open_program):
    open_program.description = "<script>alert(1)</script>"
    open_program.save()
    content = client.get(URL).content.decode()
    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;" in content
