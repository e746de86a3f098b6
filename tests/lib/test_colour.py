import pytest

from kindred.lib.colour import ink_on_white, relative_luminance, text_on


def contrast_on_white(colour: str) -> float:
    return 1.05 / (relative_luminance(colour) + 0.05)


@pytest.mark.parametrize("colour", ["#0f766e", "#2f5fd0", "#000000", "#b42318"])
def test_a_readable_colour_is_kept(colour):  # type: ignore[no-untyped-def]
    assert ink_on_white(colour) == colour


@pytest.mark.parametrize("colour", ["#fde047", "#ffffff", "#a3e635", "#7dd3fc", "#ff9900"])
def test_a_light_colour_is_darkened_until_text_reads_on_white(colour):  # type: ignore[no-untyped-def]
    ink = ink_on_white(colour)
    assert contrast_on_white(colour) < 4.5 <= contrast_on_white(ink)
    # the same hue, only darker: every channel scaled by the same factor
    assert all(int(ink[i : i + 2], 16) <= int(colour[i : i + 2], 16) for i in (1, 3, 5))


def test_text_on_picks_the_readable_one():  # type: ignore[no-untyped-def]
    assert (text_on("#fde047"), text_on("#0f766e"), text_on("oops")) == ("#111827", "#ffffff", "#ffffff")
