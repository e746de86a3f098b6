import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from kindred.lib.colour import text_on
from kindred.lib.images import check_image
from tests.orgs.test_settings import png


def test_png_is_accepted():
    assert check_image(png()).content_type == "image/png"


@pytest.mark.parametrize("data", [b"", b"GIF89a-not-really", b"<svg xmlns='http://www.w3.org/2000/svg'/>"])
def test_non_images_are_refused(data):
    with pytest.raises(ValidationError):
        check_image(SimpleUploadedFile("x.png", data))


def test_huge_dimensions_are_refused():
    with pytest.raises(ValidationError, match="pixels"):
        check_image(png((4100, 10)))


@pytest.mark.parametrize(
    ("colour", "expected"),
    [("#ffffff", "#111827"), ("#0f766e", "#ffffff"), ("#ffe066", "#111827"), ("bad", "#ffffff")],
)
def test_text_colour_reads_on_the_brand(colour, expected):
    assert text_on(colour) == expected
