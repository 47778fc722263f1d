"""A service's refusal shown on the form that asked for it: each message next to its field."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError


def show_refusal(
    form: forms.Form,
    error: ValidationError,
    rename: dict[str, str] | None = None,
    wording: Callable[[str], str] = str,
) -> None:
    """Put each message of a service's ValidationError next to the form field it names (`rename`
    maps a service's field name to the form's); anything else goes above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, [wording(m) for m in error.messages])
        return
    for field, problems in error.message_dict.items():
        name = (rename or {}).get(field, field)
        form.add_error(name if name in form.fields else None, [wording(p) for p in problems])
