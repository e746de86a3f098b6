"""A matching run stopped by the engine's time limit fails with the engine's message, shown on
the review page (issue 10: a run must never hang silently)."""

import pytest

from kindred.matching import solve
from kindred.pairing import services
from kindred.pairing.models import MatchRun, Proposal
from tests.pairing.test_views import BASE, setup  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("setup")
def test_a_run_past_the_time_limit_says_so_on_its_page(
    client_for, alice, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "solve", lambda problem: solve(problem, time_limit=1e-9))
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(BASE + "run/", {"objective": "max_participation"})
    run = MatchRun.objects.get()
    assert run.status == "failed"
    assert run.error.startswith("Matching stopped at its time limit of 1e-09 seconds without a result")
    assert not Proposal.objects.exists()
    page = client.get(BASE).content.decode()
    assert "Failed: Matching stopped at its time limit" in page
