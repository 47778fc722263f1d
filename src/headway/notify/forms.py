"""The notification settings form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet

from headway.notify.models import Weekday
from headway.org.models import Unit

MAX_PAUSE = dt.timedelta(days=366)


class NotificationSettingsForm(forms.Form):
    """Channels, the check-in reminders, and a quiet period (holidays, leave)."""

    email = forms.BooleanField(required=False, label="Email me")
    in_app = forms.BooleanField(required=False, label="Show notifications in Headway")
    digest = forms.BooleanField(required=False, label="Remind me on check-in day")
    weekly_summary = forms.BooleanField(
        required=False, label="Send me the weekly summary of my team (if I lead one)"
    )
    paused_until = forms.DateField(
        required=False,
        label="Quiet until",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Nothing is emailed until the end of this day; the check-in reminder and "
        "held-back emails come the day after. Leave empty for no quiet period.",
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_paused_until(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get("paused_until")
        if day is None or day == self.initial.get("paused_until"):
            return day
        if day < self.today:
            raise forms.ValidationError("Choose today or a later day (or leave it empty).")
        if day > self.today + MAX_PAUSE:
            raise forms.ValidationError("A quiet period can last a year at most.")
        return day


class CadenceForm(forms.Form):
    """The check-in cadence of the organization or of one unit (and the units below it)."""

    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(),
        required=False,
        empty_label="The whole organization",
        label="For",
        help_text="A unit's cadence applies to it and to every unit below it.",
    )
    weekday = forms.TypedChoiceField(
        choices=Weekday.choices, coerce=int, initial=Weekday.MONDAY, label="Check-in day"
    )
    every_weeks = forms.TypedChoiceField(
        choices=[(1, "Every week"), *((n, f"Every {n} weeks") for n in (2, 3, 4))],
        coerce=int,
        initial=1,
        label="How often",
    )
    hour = forms.TypedChoiceField(
        choices=[(h, f"{h:02d}:00") for h in range(24)],
        coerce=int,
        initial=9,
        label="Reminder at",
    )
    starts_on = forms.DateField(
        required=False,
        label="Counting from",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="For a cadence of several weeks: the first check-in day on or after this date "
        "sets which weeks count.",
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units
