"""The KRA pages: one KRA, a new KRA, editing one, and marking it reviewed.

Forms first, then the views. Writes go through `result_area_create`, `result_area_update` and
`result_area_review`; who may do what is asked of `headway.access`; reads come from
`headway.goals.area_selectors`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from headway import access
from headway.core.checks import task_verb
from headway.goals import area_selectors, services
from headway.goals.models import ResultArea
from headway.org.models import Person, Unit
from headway.web.current import require_person
from headway.web.refusals import show_refusal

TOO_MANY_KRAS = 5  # the seeds: 3–5 KRAs per scope; from the fifth on, the form warns


def _parent_label(area: ResultArea) -> str:
    return f"{area.name} — {area_selectors.scope_label(area)}"


def _parent_choices(organization_id: int, *, keep: int | None = None) -> Any:
    """Active KRAs of the organization (and the current parent, even when retired)."""
    wanted = Q(state=ResultArea.State.ACTIVE)
    if keep is not None:
        wanted |= Q(pk=keep)
    return (
        ResultArea.objects.filter(wanted, organization_id=organization_id)
        .select_related("organization", "scope_unit", "scope_person")
        .order_by("name", "id")
    )


def _people(organization_id: int, *, keep: int | None = None) -> Any:
    """Active people (and the current owner, even when no longer active)."""
    wanted = Q(active=True)
    if keep is not None:
        wanted |= Q(pk=keep)
    return Person.objects.filter(wanted, organization_id=organization_id).order_by("name", "id")


# -- forms ------------------------------------------------------------------------------------
class ResultAreaForm(forms.Form):
    """A new KRA in a scope: a unit, a person, or (both empty, admins only) the organization."""

    name = forms.CharField(
        max_length=200,
        help_text="An area of outcomes, not a task: “Customer satisfaction”, not “Run a survey”.",
    )
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What success in this area looks like, and how it will be measured.",
    )
    scope_unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), required=False, label="Unit", empty_label="No unit",
        help_text="The unit accountable for it. Leave unit and person empty for the "
        "organization's own KRAs (admins only).",
    )  # fmt: skip
    scope_person = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label="Person", empty_label="No person",
        help_text="Or the person accountable for it, for a personal KRA.",
    )  # fmt: skip
    owner = forms.ModelChoiceField(
        queryset=Person.objects.none(), help_text="The one person accountable for it."
    )
    weight = forms.DecimalField(
        required=False, min_value=Decimal(0), max_value=Decimal(100), max_digits=6,
        decimal_places=2, label="Weight (%)",
        help_text="Its share of the scope, 0–100; the scope's KRAs should sum to 100.",
    )  # fmt: skip
    parent = forms.ModelChoiceField(
        queryset=ResultArea.objects.none(), required=False, label="Ladders up to",
        empty_label="Nothing: a top KRA",
        help_text="The KRA of the higher scope this one serves: the line of sight.",
    )  # fmt: skip
    review_cadence_days = forms.IntegerField(
        min_value=1, max_value=3650, initial=90, label="Review every (days)",
        help_text="How often its owner checks it is still vital, measured and owned.",
    )  # fmt: skip

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = person.organization_id
        self.person = person
        self.fields["scope_unit"].queryset = Unit.objects.filter(organization_id=org)  # type: ignore[attr-defined]
        self.fields["scope_person"].queryset = _people(org)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = _people(org)  # type: ignore[attr-defined]
        self.fields["parent"].queryset = _parent_choices(org)  # type: ignore[attr-defined]
        self.fields["parent"].label_from_instance = _parent_label  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.has_error("scope_unit") or self.has_error("scope_person"):
            return data
        unit, scoped = data.get("scope_unit"), data.get("scope_person")
        if unit is not None and scoped is not None:
            self.add_error("scope_unit", "Choose a unit or a person as the scope, not both.")
        elif not access.may_create_in_scope(self.person, unit=unit, owner_scope=scoped):
            if unit is not None:
                self.add_error("scope_unit", f"You may not add KRAs to the unit {unit.name}.")
            elif scoped is not None:
                self.add_error("scope_person", f"You may not add KRAs to {scoped.name}'s scope.")
            else:
                self.add_error(
                    "scope_unit",
                    "Only admins add KRAs to the organization's own scope: choose a unit or "
                    "a person.",
                )
        return data


class ResultAreaEditForm(forms.Form):
    """What may change on a KRA after it was set (its scope stays)."""

    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(queryset=Person.objects.none())
    weight = forms.DecimalField(
        required=False, min_value=Decimal(0), max_value=Decimal(100), max_digits=6,
        decimal_places=2, label="Weight (%)",
    )  # fmt: skip
    parent = forms.ModelChoiceField(
        queryset=ResultArea.objects.none(), required=False, label="Ladders up to",
        empty_label="Nothing: a top KRA",
    )  # fmt: skip
    review_cadence_days = forms.IntegerField(
        min_value=1, max_value=3650, label="Review every (days)"
    )
    state = forms.ChoiceField(
        choices=ResultArea.State.choices,
        help_text="Retire a KRA that is no longer vital; its history stays.",
    )

    def __init__(self, *args: Any, area: ResultArea, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = area.organization_id
        self.fields["owner"].queryset = _people(org, keep=area.owner_id)  # type: ignore[attr-defined]
        self.fields["parent"].queryset = _parent_choices(org, keep=area.parent_id).exclude(  # type: ignore[attr-defined]
            pk=area.pk
        )
        self.fields["parent"].label_from_instance = _parent_label  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    note = forms.CharField(required=False, max_length=500, label="Review note")


EDITABLE_FIELDS = tuple(ResultAreaEditForm.base_fields)


# -- views ------------------------------------------------------------------------------------
@login_required
def result_area_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One KRA: its health, what measures it, what ladders up and down, and its history."""
    person = require_person(request)
    area = area_selectors.result_area_get(person=person, pk=pk)
    today = timezone.localdate()
    page = area_selectors.result_area_page(viewer=person, area=area, today=today)
    editable = access.result_area_editable(person, area)
    return render(
        request,
        "goals/area.html",
        {
            "person": person,
            "nav": "scorecard",
            "today": today,
            "area": area,
            "page": page,
            "kpis": [
                (row, page.last_measured.get(row.indicator.pk)) for row in page.health.indicators
            ],
            "findings": [  # drift has its own place in the review section
                (f, area_selectors.finding_rule(f)) for f in page.findings if f.code != "HW015"
            ],
            "editable": editable,
            "review_form": ReviewForm() if editable else None,
            "may_add_below": person.role != Person.Role.VIEWER,
        },
    )


def _digits(value: str | None) -> str | None:
    return value if value and value.isdigit() else None


def _initial(request: HttpRequest, person: Person) -> dict[str, Any]:
    """Presets from ?unit=, ?person= and ?parent=; by default a personal KRA for non-admins."""
    unit_id, person_id = _digits(request.GET.get("unit")), _digits(request.GET.get("person"))
    initial: dict[str, Any] = {
        "owner": person.pk,
        "parent": _digits(request.GET.get("parent")),
        "review_cadence_days": 90,
    }
    org = person.organization_id
    if unit_id:
        initial["scope_unit"] = unit_id
        unit = Unit.objects.filter(organization_id=org, pk=unit_id).first()
        if unit is not None and unit.head_id is not None:
            initial["owner"] = unit.head_id
    elif person_id:
        initial["scope_person"] = person_id
        initial["owner"] = person_id
    elif not access.is_admin(person):
        initial["scope_person"] = person.pk
    return initial


def _summary(person: Person, form: ResultAreaForm) -> area_selectors.ScopeSummary | None:
    """The scope the form points at, for the "3–5 KRAs per scope" hint; None if unreadable."""
    field_unit, field_person = form["scope_unit"], form["scope_person"]
    try:
        unit = form.fields["scope_unit"].clean(field_unit.value())
        scoped = form.fields["scope_person"].clean(field_person.value())
    except ValidationError:
        return None
    if unit is not None and scoped is not None:
        return None
    return area_selectors.scope_summary(organization=person.organization, unit=unit, person=scoped)


def _after_create_warnings(request: HttpRequest, area: ResultArea) -> None:
    """Not blocks, only nudges: too many KRAs in the scope, or a name that reads as a task."""
    summary = area_selectors.scope_summary(
        organization=area.organization, unit=area.scope_unit, person=area.scope_person
    )
    if summary.count > TOO_MANY_KRAS:
        messages.warning(
            request,
            f"{summary.label} now has {summary.count} active KRAs. The vital few are 3 to 5: "
            "consider merging or retiring some.",
        )
    verb = task_verb(area.name)
    if verb:
        messages.warning(
            request,
            f"“{area.name}” reads like a task (“{verb}”). A KRA names an area of outcomes; "
            "the work to get there belongs in an initiative.",
        )


@login_required
def result_area_create(request: HttpRequest) -> HttpResponse:
    """A new KRA in a scope the person may add to, laddering up to a higher KRA if chosen."""
    person = require_person(request)
    if person.role == Person.Role.VIEWER:
        raise PermissionDenied("Viewers read goals; they do not add KRAs.")
    if request.method == "POST":
        form = ResultAreaForm(request.POST, person=person)
        if form.is_valid():
            data = form.cleaned_data
            try:
                area = services.result_area_create(
                    organization=person.organization,
                    name=data["name"],
                    description=data["description"],
                    owner=data["owner"],
                    scope_unit=data["scope_unit"],
                    scope_person=data["scope_person"],
                    weight=data["weight"],
                    parent=data["parent"],
                    review_cadence_days=data["review_cadence_days"],
                    actor=person,
                )
            except ValidationError as error:
                show_refusal(form, error)
            else:
                messages.success(request, f"KRA “{area.name}” created.")
                _after_create_warnings(request, area)
                return redirect("result-area", pk=area.pk)
    else:
        form = ResultAreaForm(initial=_initial(request, person), person=person)
    summary = _summary(person, form)
    return render(
        request,
        "goals/area_form.html",
        {
            "person": person,
            "nav": "scorecard",
            "form": form,
            "summary": summary,
            "crowded": summary is not None and summary.count >= TOO_MANY_KRAS,
        },
    )


@login_required
def result_area_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change what a KRA says, its owner, weight, parent, cadence or state; history keeps the old."""
    person = require_person(request)
    area = area_selectors.result_area_get(person=person, pk=pk)
    if not access.result_area_editable(person, area):
        raise PermissionDenied("Only the KRA's owner, their managers, its leaders and admins.")
    initial = {name: getattr(area, name) for name in EDITABLE_FIELDS}
    form = ResultAreaEditForm(request.POST or None, initial=initial, area=area)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if changes:
                services.result_area_update(area=area, actor=person, **changes)
        except ValidationError as error:
            show_refusal(form, error)
            area = area_selectors.result_area_get(person=person, pk=pk)  # as stored, not as tried
        else:
            messages.success(request, "Saved." if changes else "Nothing changed.")
            return redirect("result-area", pk=area.pk)
    return render(
        request,
        "goals/area_edit.html",
        {"person": person, "nav": "scorecard", "form": form, "area": area},
    )


@login_required
def result_area_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a KRA reviewed now, with an optional note (POST only)."""
    person = require_person(request)
    area = area_selectors.result_area_get(person=person, pk=pk)  # 404 before 405: ids stay hidden
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not access.result_area_editable(person, area):
        raise PermissionDenied("Only the KRA's owner, their managers, its leaders and admins.")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        problems = [str(problem) for problem in form.errors.get("note", [])]
        messages.warning(request, "Not marked reviewed: " + " ".join(problems))
        return redirect("result-area", pk=area.pk)
    services.result_area_review(area=area, actor=person, note=form.cleaned_data["note"])
    messages.success(request, f"Marked “{area.name}” reviewed today.")
    return redirect("result-area", pk=area.pk)
