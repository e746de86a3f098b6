from django import template

from kindred.lib.colour import text_on as _text_on

register = template.Library()


@register.filter
def text_on(colour: str) -> str:
    return _text_on(colour or "")


@register.filter
def percent(part: int | float, whole: int | float) -> int:
    return round(100 * part / whole) if whole else 0


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None


@register.filter
def split(value: str, sep: str = " ") -> list[str]:
    return value.split(sep) if sep else value.split()


@register.filter
def sum_list(values: list[int | float]) -> int | float:
    return sum(values)
