import pytest

from kindred.orgs.models import Skill

pytestmark = pytest.mark.django_db
URL = "/o/acme/skills/"


def test_lists_start_with_defaults_and_grow(client_for, alice, acme):
    client = client_for(alice)
    assert b"Negotiation" in client.get(URL).content
    client.post(URL, {"action": "add", "kind": "goal", "name": "Run a marathon"})
    assert Skill.objects.filter(organization=acme, kind="goal", name="Run a marathon").exists()
    duplicate = client.post(URL, {"action": "add", "kind": "goal", "name": "run a MARATHON"})
    assert duplicate.status_code == 400


def test_rename_and_retire(client_for, alice, acme):
    client = client_for(alice)
    client.get(URL)
    skill = Skill.objects.filter(organization=acme).first()
    client.post(URL, {"action": "rename", "skill": skill.pk, "name": "Renamed"})
    client.post(URL, {"action": "archive", "skill": skill.pk})
    skill.refresh_from_db()
    assert (skill.name, skill.archived) == ("Renamed", True)


def test_another_organizations_skill_is_404(client_for, alice, globex):
    foreign = Skill.objects.create(organization=globex, kind="skill", name="Secret")
    assert (
        client_for(alice).post(URL, {"action": "rename", "skill": foreign.pk, "name": "x"}).status_code == 404
    )


def test_member_forbidden_outsider_404(client_for, bob, charlie):
    assert client_for(bob).get(URL).status_code == 403
    assert client_for(charlie).get(URL).status_code == 404
