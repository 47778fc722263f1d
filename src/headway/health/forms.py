"""The health page's filter."""

from __future__ import annotations

from typing import Any

from django import forms

from headway.org.models import Person, Unit
from headway.web.picker import PickerField, bind_pickers


class HealthFilterForm(forms.Form):
    """Which unit's findings to show, found by typing: an organization of 5,000 units is no
    select. A unit that is not the person's to pick is an error shown and ignored."""

    unit = PickerField("unit", required=False, label="Show findings about")

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, person)

    def chosen_unit(self) -> Unit | None:
        return self.cleaned_data.get("unit") if self.is_valid() else None
