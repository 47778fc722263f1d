"""The one-screen check-in: one row per key result, all submitted at once."""

from __future__ import annotations

from typing import Any

from django import forms

from headway.checkins.models import CheckIn


class CheckInRowForm(forms.Form):
    """A new value, confidence, status and note for one key result; an empty row is skipped."""

    key_result = forms.IntegerField(widget=forms.HiddenInput)
    value = forms.DecimalField(
        required=False,
        max_digits=20,
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    confidence = forms.IntegerField(required=False, min_value=0, max_value=10)
    status = forms.ChoiceField(required=False, choices=[("", "—"), *CheckIn.OwnerStatus.choices])
    note = forms.CharField(required=False, max_length=2000, widget=forms.TextInput())

    def is_blank(self) -> bool:
        data: dict[str, Any] = self.cleaned_data
        return all(
            data.get(name) in (None, "") for name in ("value", "confidence", "status", "note")
        )


CheckInFormSet = forms.formset_factory(CheckInRowForm, extra=0)
