from collections.abc import Mapping

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from kindred.lib.ids import id_or_404

# A search box: longer text is cut, never sent whole to the database (SQLite refuses a LIKE
# pattern over 50,000 bytes; nobody searches for a paragraph).
SEARCH_MAX_LENGTH = 200


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
