"""Forms of the KPI pages: they parse input; the services decide what is saved."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from headway import access
from headway.goals.models import ResultArea
from headway.indicators.models import Indicator
from headway.indicators.selectors import STATUS_CHOICES
from headway.org.models import Period, Person, Unit
from headway.web.picker import PickerField, bind_pickers

BOUNDS_UPSIDE_DOWN = "The lower bound is above the upper bound."


def _number(**kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(max_digits=20, decimal_places=6, **kwargs)


class MeasurementForm(forms.Form):
    """One value of a KPI on one date; the date defaults to today."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    value = _number()
    note = forms.CharField(max_length=500, required=False)


class IndicatorEditForm(forms.Form):
    """What may change on a KPI once it exists (its scope stays)."""

    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    unit_label = forms.CharField(
        max_length=40, required=False, label="Unit label",
        help_text="What the values count: €, %, points, tickets…",
    )  # fmt: skip
    direction = forms.ChoiceField(
        choices=[("up", "Up: higher is better"), ("down", "Down: lower is better"),
                 ("range", "Range: inside a range is best")],
        initial=Indicator.Direction.UP,
    )  # fmt: skip
    frequency = forms.ChoiceField(
        choices=Indicator.Frequency.choices, initial=Indicator.Frequency.MONTH,
        help_text="How often a value is expected.",
    )  # fmt: skip
    aggregation = forms.ChoiceField(
        choices=Indicator.Aggregation.choices, initial=Indicator.Aggregation.LAST,
        help_text="How a period's values make its value: the last one, their sum, mean, "
        "minimum or maximum.",
    )  # fmt: skip
    leading = forms.BooleanField(
        required=False, label="Leading indicator", help_text="It predicts other outcomes."
    )
    result_area = forms.ModelChoiceField(
        queryset=ResultArea.objects.none(), required=False, label="KRA", empty_label="No KRA",
        help_text="The result area this KPI measures.",
    )  # fmt: skip
    owner = forms.ModelChoiceField(
        queryset=Person.objects.none(), help_text="The one person accountable for it."
    )
    red_below = _number(
        required=False, label="Red below",
        help_text="Up KPIs only: a value below this is red, between it and the target amber. "
        "Empty: 90% of the target.",
    )  # fmt: skip
    red_above = _number(
        required=False, label="Red above",
        help_text="Down KPIs only: a value above this is red, between the target and it amber. "
        "Empty: 110% of the target.",
    )  # fmt: skip
    tolerance = _number(
        required=False,
        help_text="Range KPIs only: how far outside the range a value is still amber rather "
        "than red. Empty: 10% of the range's width.",
    )

    FIELDSETS: list[tuple[str, str, list[str]]] = [
        ("What it measures", "", ["name", "description", "unit_label", "direction", "frequency",
                                  "aggregation", "leading"]),
        ("Who and what it serves", "", ["owner", "result_area"]),
        ("Thresholds", "Where amber turns red. Fill in only the one that fits the direction; "
         "leave it empty for the default.", ["red_below", "red_above", "tolerance"]),
    ]  # fmt: skip

    def __init__(
        self, *args: Any, person: Person, indicator: Indicator | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        org = person.organization_id
        self.person = person
        # A KPI keeps its retired KRA or departed owner until someone picks another.
        current_area = Q(pk=indicator.result_area_id) if indicator else Q(pk__in=[])
        current_owner = Q(pk=indicator.owner_id) if indicator else Q(pk__in=[])
        self.fields["result_area"].queryset = ResultArea.objects.filter(  # type: ignore[attr-defined]
            Q(state=ResultArea.State.ACTIVE) | current_area, organization_id=org
        ).order_by("name", "id")
        self.fields["owner"].queryset = Person.objects.filter(  # type: ignore[attr-defined]
            Q(active=True) | current_owner, organization_id=org
        ).order_by("name", "id")

    def fieldsets(self) -> list[dict[str, Any]]:
        """The fields in the groups the page shows them in, each with a legend and a hint."""
        return [
            {"legend": legend, "hint": hint, "fields": [self[n] for n in names if n in self.fields]}
            for legend, hint, names in self.FIELDSETS
        ]


class IndicatorForm(IndicatorEditForm):
    """A new KPI in a unit's or a person's scope, optionally with its first target."""

    scope_unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), required=False, label="Unit", empty_label="No unit",
        help_text="The unit whose KPI this is. Leave unit and person empty for an "
        "organization-wide KPI (admins only).",
    )  # fmt: skip
    scope_person = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label="Person", empty_label="Nobody",
        help_text="Or the person whose own KPI this is.",
    )  # fmt: skip
    target_period = forms.ModelChoiceField(
        queryset=Period.objects.none(), required=False, label="Period", empty_label="No target yet",
        help_text="Leave empty to set targets later.",
    )  # fmt: skip
    target_value = _number(
        required=False, label="Target", help_text="Up and down KPIs: the value to reach."
    )
    target_lower = _number(
        required=False, label="Lower bound", help_text="Range KPIs: the lowest value on target."
    )
    target_upper = _number(
        required=False, label="Upper bound", help_text="Range KPIs: the highest value on target."
    )

    FIELDSETS = [
        IndicatorEditForm.FIELDSETS[0],
        ("Scope", "A unit's KPI or one person's own.", ["scope_unit", "scope_person"]),
        *IndicatorEditForm.FIELDSETS[1:],
        ("First target (optional)", "Up and down KPIs take a target value; range KPIs a lower "
         "and an upper bound. More targets can be set on the KPI's page.",
         ["target_period", "target_value", "target_lower", "target_upper"]),
    ]  # fmt: skip

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, person=person, **kwargs)
        org = person.organization_id
        self.fields["scope_unit"].queryset = Unit.objects.filter(organization_id=org)  # type: ignore[attr-defined]
        self.fields["scope_person"].queryset = Person.objects.filter(  # type: ignore[attr-defined]
            organization_id=org, active=True
        ).order_by("name", "id")
        self.fields["target_period"].queryset = Period.objects.filter(  # type: ignore[attr-defined]
            organization_id=org
        ).exclude(state=Period.State.CLOSED)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._clean_scope(data)
        self._clean_target(data)
        return data

    def _clean_scope(self, data: dict[str, Any]) -> None:
        if "scope_unit" in self.errors or "scope_person" in self.errors:
            return
        unit, scope_person = data.get("scope_unit"), data.get("scope_person")
        if unit is not None and scope_person is not None:
            self.add_error("scope_person", "Choose a unit or a person, not both.")
            return
        if access.may_create_in_scope(self.person, unit=unit, owner_scope=scope_person):
            return
        if scope_person is not None:
            self.add_error("scope_person", f"You may not add KPIs to {scope_person.name}'s own.")
        elif unit is not None:
            self.add_error("scope_unit", f"You may not add KPIs to unit {unit}.")
        else:
            self.add_error(
                "scope_unit",
                "Only admins add organization-wide KPIs: choose a unit or a person.",
            )

    def _clean_target(self, data: dict[str, Any]) -> None:
        value, lower, upper = (data.get(f"target_{n}") for n in ("value", "lower", "upper"))
        given = any(v is not None for v in (value, lower, upper))
        if data.get("target_period") is None:
            if given and "target_period" not in self.errors:
                self.add_error("target_period", "Choose the period this target is for.")
            return
        if data.get("direction") == Indicator.Direction.RANGE:
            if value is not None:
                self.add_error(
                    "target_value", "A range KPI takes a lower and an upper bound, not one value."
                )
            if lower is not None and upper is not None and lower > upper:
                self.add_error("target_lower", BOUNDS_UPSIDE_DOWN)
        elif lower is not None or upper is not None:
            self.add_error(
                "target_lower" if lower is not None else "target_upper",
                "Only a range KPI takes lower and upper bounds; give the target value.",
            )


class TargetForm(forms.Form):
    """A KPI's target for one period: a value, or lower and upper bounds for a range KPI."""

    period = forms.ModelChoiceField(queryset=Period.objects.none())
    value = _number(label="Target")
    lower = _number(label="Lower bound")
    upper = _number(label="Upper bound")

    def __init__(self, *args: Any, indicator: Indicator, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "target-%s")  # the page's value form has id_value already
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = Period.objects.filter(  # type: ignore[attr-defined]
            organization_id=indicator.organization_id
        ).exclude(state=Period.State.CLOSED)
        if indicator.direction == Indicator.Direction.RANGE:
            del self.fields["value"]
        else:
            del self.fields["lower"], self.fields["upper"]
        if indicator.unit_label:
            for field in self.fields.values():
                if isinstance(field, forms.DecimalField):
                    field.label = f"{field.label} ({indicator.unit_label})"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lower, upper = data.get("lower"), data.get("upper")
        if lower is not None and upper is not None and lower > upper:
            self.add_error("lower", BOUNDS_UPSIDE_DOWN)
        return data


class IndicatorFilterForm(forms.Form):
    """The KPI list's filters; a value that does not fit is shown as an error and ignored. Unit
    and owner are found by typing (pickers): an organization of 50,000 people is no select."""

    q = forms.CharField(required=False, label="Search", max_length=200)
    unit = PickerField("unit", required=False, label="Unit (and below)")
    owner = PickerField("person", required=False, label="Owner")
    status = forms.ChoiceField(choices=[("", "Any status"), *STATUS_CHOICES], required=False)

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, person)

    def filters(self) -> dict[str, Any]:
        """The valid filters, by name; empty or invalid ones are left out."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}
