from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


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
    """An object id from a form field, or a 404 when it is missing or not a number."""
    from django.http import Http404

    text = str(value or "")
    if not text.isdigit():
        raise Http404
    return int(text)
