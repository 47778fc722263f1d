"""Forms of the KPI pages: they parse input; measurement_record decides what is recorded."""

from __future__ import annotations

from django import forms


class MeasurementForm(forms.Form):
    """One value of a KPI on one date; the date defaults to today."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.DecimalField(max_digits=20, decimal_places=6)
    note = forms.CharField(max_length=500, required=False)
