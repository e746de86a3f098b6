"""Length caps on forms: text_limits for fields a model leaves unbounded, posted_text and
search_text for text read straight from a request."""

import pytest
from django.core.exceptions import ValidationError

from kindred.lib.forms import SEARCH_MAX_LENGTH, posted_text, search_text
from kindred.programs.forms import ProgramForm
from kindred.registration.forms import EmailTemplatesForm


def test_a_text_field_past_its_limit_is_an_error_and_the_browser_knows_the_limit():  # type: ignore[no-untyped-def]
    form = ProgramForm({"description": "d" * 5001})
    assert not form.is_valid()
    assert "Ensure this value has at most 5000 characters (it has 5001)." in form.errors["description"]
    assert 'maxlength="5000"' in str(form["description"])
    emails = EmailTemplatesForm({"invitation_body": "b" * 10_001})
    assert not emails.is_valid() and "at most 10000" in emails.errors["invitation_body"][0]


def test_posted_text_refuses_rather_than_cuts():  # type: ignore[no-untyped-def]
    assert posted_text({"reason": "  fine  "}, "reason", max_length=10) == "fine"
    with pytest.raises(ValidationError) as refused:
        posted_text({"reason": "x" * 11}, "reason", max_length=10)
    assert refused.value.message_dict == {"reason": ["Keep it under 10 characters (this is 11)."]}


def test_search_text_is_cut():  # type: ignore[no-untyped-def]
    assert search_text({"q": " " + "s" * 60_000}) == "s" * SEARCH_MAX_LENGTH
    assert search_text({}) == ""
