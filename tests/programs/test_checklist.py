import pytest

from kindred.programs.checklist import STEPS, checklist_for, checklists_for
from kindred.programs.models import Program, Status
from kindred.programs.services import program_change_status
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def test_nine_steps_in_the_seed_order(program):
    checklist = checklist_for(program)
    assert [s.title for s in checklist.steps] == [
        "General information",
        "Set up questionnaire",
        "Set up pairing algorithm",
        "Participant access",
        "Review email invites",
        "Launch registration",
        "Review pairing process",
        "Plan session content",
        "Launch pairing",
    ]
    assert checklist.total == 9 == len(STEPS)


def test_a_complete_new_program_has_eight_steps_left(program):
    checklist = checklist_for(program)
    assert [s.key for s in checklist.steps if s.done] == ["general"]
    assert checklist.left == 8


def test_missing_general_information_is_not_done(acme):
    bare = Program.objects.create(organization=acme, name="Bare", slug="bare")
    assert checklist_for(bare).left == 9


def test_custom_goal_needs_its_text(acme):
    program = ProgramFactory(organization=acme, purpose="custom", custom_purpose="")
    assert not checklist_for(program).steps[0].done
    program.custom_purpose = "Keep our engineers"
    assert checklist_for(program).steps[0].done


def test_launch_steps_follow_the_lifecycle(program, alice):
    program = program_change_status(program=program, to=Status.REGISTRATION, by=alice)
    assert checklist_for(program).left == 7
    program = program_change_status(program=program, to=Status.PAIRING, by=alice)
    program = program_change_status(program=program, to=Status.RUNNING, by=alice)
    done = {s.key for s in checklist_for(program).steps if s.done}
    assert done == {"general", "launch_registration", "launch_pairing"}
    assert checklist_for(program).launched


def test_reviewing_pairs_is_not_a_step_for_flash_mentoring(acme, client_for, alice):
    flash = ProgramFactory(organization=acme, slug="flash", structure="flash")
    checklist = checklist_for(flash)
    assert not next(s for s in checklist.steps if s.key == "review_pairing").applies
    assert (checklist.total, checklist.left) == (8, 7)
    content = client_for(alice).get("/o/acme/programs/flash/").content.decode()
    assert "7 steps left to launch pairing" in content and "Not needed for flash" in content


def test_a_launched_program_says_so_instead_of_counting_down(program, alice, client_for):
    for to in (Status.REGISTRATION, Status.PAIRING, Status.RUNNING):
        program = program_change_status(program=program, to=to, by=alice)
    content = client_for(alice).get("/o/acme/programs/hand-up/").content.decode()
    assert "Pairing is launched" in content and "left to launch pairing" not in content


def test_every_step_links_to_its_page_except_features_still_to_come(program):
    by_key = {s.key: s for s in checklist_for(program).steps}
    assert not by_key["session_content"].available and not by_key["session_content"].done
    assert by_key["questionnaire"].url == "/o/acme/programs/hand-up/questionnaire/"
    assert by_key["pairing_algorithm"].url == "/o/acme/programs/hand-up/pairing/criteria/"
    assert by_key["review_pairing"].url == "/o/acme/programs/hand-up/pairing/"
    for key in (
        "questionnaire",
        "pairing_algorithm",
        "participant_access",
        "email_invites",
        "review_pairing",
    ):
        assert by_key[key].available and not by_key[key].done


def test_many_programs_cost_no_queries_per_program(acme, django_assert_max_num_queries):
    programs = [ProgramFactory(organization=acme) for _ in range(3)]
    with django_assert_max_num_queries(12) as few:
        checklists_for(programs)
    programs += [ProgramFactory(organization=acme) for _ in range(30)]
    with django_assert_max_num_queries(len(few.captured_queries)):
        result = checklists_for(programs)
    assert len(result) == 33
