"""Forms for creating objectives and adding key results (quick add reads numbers from titles)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django import forms

from headway import access
from headway.core.krtext import KeyResultParseError, parse_key_result
from headway.core.model import to_decimal
from headway.goals.models import KeyResult, Objective, ResultArea, Visibility
from headway.org.models import Period, Person
from headway.web.picker import PickerField, bind_pickers


class ObjectiveForm(forms.Form):
    """A new objective in a period and scope, optionally aligned under a higher objective."""

    title = forms.CharField(max_length=300)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    period = forms.ModelChoiceField(queryset=Period.objects.none())
    scope_unit = PickerField(
        "unit", required=False, label="Unit",
        help_text="Leave empty for a personal objective of its owner.",
    )  # fmt: skip
    owner = PickerField("person")
    result_area = forms.ModelChoiceField(
        queryset=ResultArea.objects.none(), required=False, label="KRA"
    )
    aligns_to = PickerField(
        "alignment", required=False, label="Aligned to",
        help_text="The higher objective or key result this one moves.",
    )  # fmt: skip
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.PUBLIC)

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = person.organization_id
        self.person = person
        self.fields["period"].queryset = Period.objects.filter(organization_id=org).exclude(  # type: ignore[attr-defined]
            state=Period.State.CLOSED
        )
        bind_pickers(self, person)
        self.fields["result_area"].queryset = ResultArea.objects.filter(  # type: ignore[attr-defined]
            organization_id=org, state=ResultArea.State.ACTIVE
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit, owner = data.get("scope_unit"), data.get("owner")
        if owner is not None and not access.may_create_in_scope(
            self.person, unit=unit, owner_scope=None if unit else owner
        ):
            where = f"unit {unit}" if unit else f"{owner.name}'s own goals"
            self.add_error(
                "scope_unit" if unit else "owner", f"You may not add objectives to {where}."
            )
        return data


class ObjectiveEditForm(forms.Form):
    """What may change on an objective after it was set (its period and scope stay)."""

    title = forms.CharField(max_length=300)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    owner = PickerField("person")
    result_area = forms.ModelChoiceField(
        queryset=ResultArea.objects.none(), required=False, label="KRA"
    )
    aligns_to = PickerField(
        "alignment", required=False, label="Aligned to",
        help_text="The higher objective or key result this one moves.",
    )  # fmt: skip
    visibility = forms.ChoiceField(choices=Visibility.choices)
    state = forms.ChoiceField(choices=Objective.State.choices)

    def __init__(self, *args: Any, person: Person, objective: Objective, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = person.organization_id
        bind_pickers(self, person, exclude=str(objective.pk))
        self.fields["result_area"].queryset = ResultArea.objects.filter(  # type: ignore[attr-defined]
            organization_id=org, state=ResultArea.State.ACTIVE
        )


class KeyResultQuickAddForm(forms.Form):
    """A key result from one sentence; start, target and unit only when the title lacks them."""

    title = forms.CharField(max_length=300, label="Key result")
    start = forms.DecimalField(required=False, max_digits=20, decimal_places=6)
    target = forms.DecimalField(required=False, max_digits=20, decimal_places=6)
    unit = forms.CharField(required=False, max_length=40)
    confidence = forms.IntegerField(required=False, min_value=0, max_value=10)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        title = data.get("title")
        if not title:
            return data
        fields: dict[str, Any] = {}
        reason = ""
        try:
            parsed = parse_key_result(title)
        except KeyResultParseError as error:
            parsed = None
            reason = str(error)
        if parsed is not None:
            fields = {
                "direction": str(parsed.direction),
                "kind": str(parsed.kind),
                "unit_label": parsed.unit,
                "start": parsed.start,
                "target": parsed.target,
                "lower": parsed.lower,
                "upper": parsed.upper,
            }
        for name in ("start", "target"):
            if data.get(name) is not None:
                fields[name] = data[name]
        if data.get("unit"):
            fields["unit_label"] = data["unit"]
        needs_start = fields.get("direction") in (None, "increase", "decrease")
        if fields.get("target") is None and fields.get("lower") is None:
            self.add_error(
                "title",
                (f"Headway cannot read the numbers: {reason} " if parsed is None else "")
                + "Give the target (and where it starts) yourself.",
            )
        elif needs_start and fields.get("start") is None:
            self.add_error("start", "Give the value it starts from: progress is measured from it.")
        for name in ("start", "target", "lower", "upper"):
            if isinstance(fields.get(name), Fraction):
                fields[name] = to_decimal(fields[name])
        if data.get("confidence") is not None:
            fields["confidence_start"] = data["confidence"]
        data["key_result_fields"] = fields
        return data


class KeyResultEditForm(forms.Form):
    """Everything about a key result except the objective it belongs to; the service checks that
    the numbers agree with the direction."""

    title = forms.CharField(max_length=300)
    owner = PickerField("person", required=False, help_text="Empty: the objective's owner.")
    kind = forms.ChoiceField(choices=KeyResult.Kind.choices)
    direction = forms.ChoiceField(
        choices=KeyResult.Direction.choices,
        help_text="Increase/decrease: from the start to the target. At least/at most: a level "
        "to hold. Within: stay between the lower and upper bounds.",
    )
    start = forms.DecimalField(required=False, max_digits=20, decimal_places=6)
    target = forms.DecimalField(required=False, max_digits=20, decimal_places=6)
    lower = forms.DecimalField(required=False, max_digits=20, decimal_places=6)
    upper = forms.DecimalField(required=False, max_digits=20, decimal_places=6)
    unit_label = forms.CharField(required=False, max_length=40, label="Unit")
    weight = forms.DecimalField(
        min_value=0, max_digits=10, decimal_places=4,
        help_text="Its share of the objective's progress, relative to the other key results.",
    )  # fmt: skip
    progress_source = forms.ChoiceField(
        choices=KeyResult.Source.choices, label="Progress comes from"
    )
    indicator = PickerField(
        "indicator", required=False, label="KPI", help_text="When progress comes from a KPI."
    )
    due = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: the period's end.",
    )  # fmt: skip
    confidence_start = forms.IntegerField(
        required=False, min_value=0, max_value=10, label="Confidence at the start"
    )
    state = forms.ChoiceField(choices=KeyResult.State.choices)

    FIELDS = (
        "title", "owner", "kind", "direction", "start", "target", "lower", "upper",
        "unit_label", "weight", "progress_source", "indicator", "due", "confidence_start",
        "state",
    )  # fmt: skip

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_pickers(self, person)

    def clean_unit_label(self) -> str:
        return str(self.cleaned_data.get("unit_label") or "").strip()
