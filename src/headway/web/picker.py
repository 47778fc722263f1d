"""Search-as-you-type pickers: a form field whose choices are found by typing, not scrolled.

A picker field renders a search box and a radio group holding the current choice and a few
suggestions; typing asks `/pick/<kind>/` (htmx) for the matches. Without JavaScript the radio
group still works. The field checks every submitted value against what the person may pick, so
a hand-made request cannot reach another tenant's row or a private objective.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from headway import access
from headway.goals.models import KeyResult, Objective
from headway.goals.selectors import alignment_candidates
from headway.indicators.models import Indicator
from headway.org.models import Person, Unit
from headway.org.selectors import people_search
from headway.web.current import require_person

SUGGESTIONS = 8


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    detail: str = ""


@dataclass(frozen=True)
class Picker:
    """How one kind of thing is searched, looked up by its submitted value, and shown."""

    search: Callable[[Person, str, dict[str, str]], list[Any]]
    get: Callable[[Person, str], Any | None]
    option: Callable[[Any], Option]
    placeholder: str


# -- people -----------------------------------------------------------------------------------
def _person_option(p: Person) -> Option:
    unit = f" · {p.unit.name}" if p.unit_id and p.unit else ""
    return Option(str(p.pk), p.name, f"{p.job_title or p.email}{unit}")


def _person_get(viewer: Person, value: str) -> Person | None:
    if not value.isdigit():
        return None
    return (
        Person.objects.filter(organization_id=viewer.organization_id, active=True, pk=value)
        .select_related("unit")
        .first()
    )


def _people(viewer: Person, q: str, _: dict[str, str]) -> list[Any]:
    return list(people_search(organization=viewer.organization, q=q)[:SUGGESTIONS])


# -- units ------------------------------------------------------------------------------------
def _unit_option(u: Unit) -> Option:
    return Option(str(u.pk), u.name, u.parent.name if u.parent_id and u.parent else "")


def _unit_get(viewer: Person, value: str) -> Unit | None:
    if not value.isdigit():
        return None
    return (
        Unit.objects.filter(organization_id=viewer.organization_id, pk=value)
        .select_related("parent")
        .first()
    )


def _units(viewer: Person, q: str, _: dict[str, str]) -> list[Any]:
    units = Unit.objects.filter(organization_id=viewer.organization_id).select_related("parent")
    if q.strip():
        units = units.filter(name__icontains=q.strip())
    return list(units.order_by("path")[:SUGGESTIONS])


# -- KPIs -------------------------------------------------------------------------------------
def _indicator_option(i: Indicator) -> Option:
    where = i.scope_unit or i.scope_person or "Organization"
    return Option(str(i.pk), i.name, f"{where}{f' · {i.unit_label}' if i.unit_label else ''}")


def _indicator_get(viewer: Person, value: str) -> Indicator | None:
    if not value.isdigit():
        return None
    return (
        Indicator.objects.filter(organization_id=viewer.organization_id, pk=value)
        .select_related("scope_unit", "scope_person")
        .first()
    )


def _indicators(viewer: Person, q: str, _: dict[str, str]) -> list[Any]:
    indicators = Indicator.objects.filter(organization_id=viewer.organization_id).select_related(
        "scope_unit", "scope_person"
    )
    if q.strip():
        indicators = indicators.filter(name__icontains=q.strip())
    return list(indicators.order_by("name", "id")[:SUGGESTIONS])


# -- alignment targets: an objective or one of its key results --------------------------------
def _alignment_option(item: Objective | KeyResult) -> Option:
    if isinstance(item, KeyResult):
        objective = item.objective
        return Option(
            f"key_result:{item.pk}",
            item.title,
            f"Key result of “{objective.title}” · {objective.period or 'no period'}",
        )
    where = item.scope_unit or item.scope_person or "Organization"
    owner = item.owner.name if item.owner else "no owner"
    return Option(
        f"objective:{item.pk}", item.title, f"Objective · {where} · {item.period} · {owner}"
    )


def _alignment_get(viewer: Person, value: str) -> Objective | KeyResult | None:
    kind, _, pk = value.rpartition(":")
    if not pk.isdigit():
        return None
    if kind in ("", "objective"):
        objective = (
            Objective.objects.filter(access.objectives_visible_q(viewer), pk=pk)
            .exclude(state=Objective.State.CANCELLED)
            .select_related("owner", "period", "scope_unit", "scope_person")
            .first()
        )
        return objective
    if kind == "key_result":
        kr = (
            KeyResult.objects.filter(organization_id=viewer.organization_id, pk=pk)
            .select_related("objective__owner", "objective__period", "owner")
            .first()
        )
        return kr if kr is not None and access.objective_visible(viewer, kr.objective) else None
    return None


def _alignments(viewer: Person, q: str, params: dict[str, str]) -> list[Any]:
    exclude = None
    if params.get("exclude", "").isdigit():
        exclude = Objective.objects.filter(
            organization_id=viewer.organization_id, pk=params["exclude"]
        ).first()
    objectives, key_results = alignment_candidates(
        person=viewer, q=q, exclude=exclude, limit=SUGGESTIONS
    )
    return [*objectives, *key_results]


PICKERS: dict[str, Picker] = {
    "person": Picker(_people, _person_get, _person_option, "Type a name, email or team…"),
    "unit": Picker(_units, _unit_get, _unit_option, "Type a unit's name…"),
    "indicator": Picker(_indicators, _indicator_get, _indicator_option, "Type a KPI's name…"),
    "alignment": Picker(
        _alignments, _alignment_get, _alignment_option, "Type an objective or key result…"
    ),
}


# -- the widget and the field -----------------------------------------------------------------
class SearchSelect(forms.Widget):
    """A search box over a radio group of the current choice and the matches."""

    template_name = "web/widgets/search_select.html"
    picker_widget = True

    def __init__(self, kind: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.kind = kind
        self.person: Person | None = None
        self.optional = True
        self.params: dict[str, str] = {}

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        picker = PICKERS[self.kind]
        selected = None
        if self.person is not None and value not in (None, ""):
            item = picker.get(self.person, str(value))
            selected = picker.option(item) if item is not None else None
        suggestions = picker.search(self.person, "", self.params) if self.person else []
        context["picker"] = {
            "url": reverse("pick", args=[self.kind]),
            "placeholder": picker.placeholder,
            "optional": self.optional,
            "selected": selected,
            "options": _options(picker, suggestions, selected),
            "params": self.params,
        }
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data


def _options(picker: Picker, items: list[Any], selected: Option | None) -> list[Option]:
    options = [picker.option(item) for item in items]
    if selected is None:
        return options
    return [selected, *(o for o in options if o.value != selected.value)]


class PickerField(forms.Field):
    """A choice among what the person may pick of a kind; `bind_pickers` tells it who asks."""

    widget = SearchSelect
    default_error_messages = {
        "invalid_choice": "Select a valid choice: that one does not exist or is not yours to pick."
    }

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        self.person: Person | None = None
        kwargs.setdefault("widget", SearchSelect(kind))
        super().__init__(**kwargs)
        self.widget.optional = not self.required

    def prepare_value(self, value: Any) -> Any:
        if value is None or isinstance(value, (str, int)):
            return value
        return PICKERS[self.kind].option(value).value

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if self.person is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        item = PICKERS[self.kind].get(self.person, str(value).strip())
        if item is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return item


def bind_pickers(form: forms.Form, person: Person, **params: str) -> None:
    """Tell every picker field of the form who is picking (and extra search parameters)."""
    for field in form.fields.values():
        if isinstance(field, PickerField):
            field.person = person
            field.widget.person = person
            field.widget.params = {k: str(v) for k, v in params.items()}


# -- the search endpoint ----------------------------------------------------------------------
@login_required
def pick(request: HttpRequest, kind: str) -> HttpResponse:
    """The matches for what was typed, as radio options for the picker named `name`."""
    person = require_person(request)
    picker = PICKERS.get(kind)
    name = request.GET.get("name", "")
    if picker is None or not name.isidentifier():
        raise Http404("No such picker.")
    q = request.GET.get(f"{name}__q", request.GET.get("q", ""))[:100]
    params = {k: request.GET.get(k, "") for k in ("exclude",)}
    current = request.GET.get(name, "")
    item = picker.get(person, current) if current else None
    selected = picker.option(item) if item is not None else None
    options = _options(picker, picker.search(person, q, params), selected)
    return render(
        request,
        "web/_picker_options.html",
        {
            "name": name,
            "id": request.GET.get("id", f"id_{name}"),
            "options": options,
            "selected": selected,
            "optional": request.GET.get("optional") == "1",
            "q": q,
        },
    )
