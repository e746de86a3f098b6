"""The one id parser, and the bounded URL converters built on it."""

import pytest
from django.http import Http404

from kindred.lib.ids import MAX_ID, id_or_404, parse_id

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["1", "42", str(MAX_ID), 7, MAX_ID])
def test_accepts_a_bounded_positive_integer(value):  # type: ignore[no-untyped-def]
    assert parse_id(value) == int(value)


@pytest.mark.parametrize(
    "value",
    [
        "²",
        "١٢",
        "9" * 30,
        str(MAX_ID + 1),
        "0",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1e3",
        "0x10",
        "",
        None,
        True,
        0,
        -5,
        1.0,
    ],
)
def test_refuses_everything_else(value):  # type: ignore[no-untyped-def]
    assert parse_id(value) is None
    with pytest.raises(Http404):
        id_or_404(value)


@pytest.mark.parametrize("segment", ["9" * 30, str(MAX_ID + 1), "0"])
def test_an_id_out_of_range_in_a_url_is_a_404_not_a_query(client_for, alice, program, segment):  # type: ignore[no-untyped-def]
    client = client_for(alice)
    assert client.get(f"/o/acme/programs/hand-up/registrants/{segment}/").status_code == 404
    assert client.post(f"/o/acme/members/{segment}/remove/").status_code == 404


def test_a_posted_id_like_superscript_two_is_a_404(client_for, alice, acme):  # type: ignore[no-untyped-def]
    response = client_for(alice).post("/o/acme/skills/", {"action": "rename", "skill": "²", "name": "x"})
    assert response.status_code == 404


def test_a_logo_version_past_the_column_range_is_a_404(client, acme):  # type: ignore[no-untyped-def]
    assert client.get(f"/o/acme/logo/{2**31}/").status_code == 404
