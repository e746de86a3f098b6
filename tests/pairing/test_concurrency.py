"""Capacity is never exceeded when many mentees ask the same mentor at once (PostgreSQL)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from kindred.pairing import choice, criteria
from kindred.pairing.models import MentorshipMember
from tests.pairing.test_services import register, set_pairing
from tests.registration.helpers import questionnaire


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_mentees_ask_a_mentor_with_capacity_three_at_once(postgres, program):
    assert connection.vendor == "postgresql"
    program.status = "pairing"
    program.save()
    qs = questionnaire(program)
    criteria.criteria_reset_to_defaults(program=program)
    set_pairing(program, mentee_choice=True, mentor_approval=False)
    mentor = register(program, qs, "mentor", seniority=4)
    mentor.capacity = 3
    mentor.save()
    mentees = [register(program, qs, "mentee", seniority=1, name=f"Mentee {i}") for i in range(20)]
    start = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def ask(mentee) -> None:  # type: ignore[no-untyped-def]
        try:
            start.wait()
            choice.request_create(program=program, mentee=mentee, mentor=mentor, message="")
            result = "accepted"
        except ValidationError:
            result = "refused"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=ask, args=(m,)) for m in mentees]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("accepted") == 3 and outcomes.count("refused") == 17
    assert MentorshipMember.objects.filter(mentorship__mentor=mentor).count() == 3
