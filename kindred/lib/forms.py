from collections.abc import Callable, Mapping
from typing import TypeVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator

from kindred.lib.ids import id_or_404

# A search box: longer text is cut, never sent whole to the database (SQLite refuses a LIKE
# pattern over 50,000 bytes; nobody searches for a paragraph).
SEARCH_MAX_LENGTH = 200


FormClass = TypeVar("FormClass", bound=type[forms.BaseForm])


def text_limits(**limits: int) -> Callable[[FormClass], FormClass]:
    """Cap text fields that their model leaves unbounded (a TextField), on the form class itself:
    the browser stops at the limit (`maxlength`) and the form says so past it."""

    def decorate(form_class: FormClass) -> FormClass:
        for name, limit in limits.items():
            field = form_class.base_fields[name]  # type: ignore[attr-defined]
            field.max_length = limit
            field.validators.append(MaxLengthValidator(limit))
            field.widget.attrs["maxlength"] = str(limit)
        return form_class

    return decorate


def add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: field errors next to their fields, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target if field != NON_FIELD_ERRORS else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def posted_id(value: object) -> int:
    """An object id from a form field, or a 404 when it is missing or not a valid id."""
    return id_or_404(value)


def search_text(params: Mapping[str, str], name: str = "q") -> str:
    """The text of a search box, stripped and cut to SEARCH_MAX_LENGTH characters."""
    return str(params.get(name) or "").strip()[:SEARCH_MAX_LENGTH]


def posted_text(params: Mapping[str, str], name: str, *, max_length: int) -> str:
    """A free-text form field, stripped; a ValidationError (shown to the person) when longer
    than `max_length`, rather than cut without a word or refused by the database."""
    text = str(params.get(name) or "").strip()
    if len(text) > max_length:
        raise ValidationError({name: f"Keep it under {max_length:,} characters (this is {len(text):,})."})
    return text
