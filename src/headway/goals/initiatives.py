"""Initiatives (the work done to move key results) and milestones, of initiatives and of key
results: their forms, then their pages. Initiatives never count as progress by themselves; a
key result of kind milestones moves with its milestones (through `milestone_save`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from headway import access
from headway.audit.services import snapshot
from headway.goals import initiative_selectors as selectors
from headway.goals import services
from headway.goals.models import Initiative, InitiativeKeyResult, KeyResult, Milestone, ResultArea
from headway.goals.selectors import key_result_get
from headway.org.models import Person, Unit
from headway.web.current import require_person
from headway.web.refusals import show_refusal

PAGE_SIZE = 25
ORGANIZATION_SCOPE = "org"


# == forms ======================================================================================
class DateInput(forms.DateInput):
    """A native date picker: keyboard operable and phone friendly."""

    input_type = "date"


def scope_value(obj: Any) -> str:
    """How a scope reads in the scope select: `org`, `unit:ID` or `person:ID`."""
    if obj.scope_unit_id:
        return f"unit:{obj.scope_unit_id}"
    if obj.scope_person_id:
        return f"person:{obj.scope_person_id}"
    return ORGANIZATION_SCOPE


class InitiativeForm(forms.Form):
    """What an initiative is: its wording, owner, scope, state, effort, budget and KRA."""

    title = forms.CharField(max_length=300)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(queryset=Person.objects.none())
    scope = forms.ChoiceField(
        help_text="Whose work this is: a unit's, one person's, or the whole organization's."
    )
    state = forms.ChoiceField(choices=Initiative.State.choices, initial=Initiative.State.PROPOSED)
    effort_days = forms.DecimalField(
        required=False, min_value=0, max_digits=10, decimal_places=1, label="Effort (person-days)"
    )
    budget = forms.DecimalField(required=False, min_value=0, max_digits=14, decimal_places=2)
    result_area = forms.ModelChoiceField(
        queryset=ResultArea.objects.none(), required=False, label="KRA",
        help_text="The result area this work is for.",
    )  # fmt: skip

    def __init__(
        self, *args: Any, person: Person, initiative: Initiative | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.initiative = initiative
        org = person.organization_id
        keep_owner = Q(pk=initiative.owner_id) if initiative and initiative.owner_id else Q()
        people = Person.objects.filter(Q(active=True) | keep_owner, organization_id=org)
        self.fields["owner"].queryset = people  # type: ignore[attr-defined]
        keep_area = (
            Q(pk=initiative.result_area_id) if initiative and initiative.result_area_id else Q()
        )
        self.fields["result_area"].queryset = ResultArea.objects.filter(  # type: ignore[attr-defined]
            Q(state=ResultArea.State.ACTIVE) | keep_area, organization_id=org
        )
        self._units = {f"unit:{u.pk}": u for u in Unit.objects.filter(organization_id=org)}
        self._people = {f"person:{p.pk}": p for p in people}
        self.fields["scope"].choices = [  # type: ignore[attr-defined]
            (ORGANIZATION_SCOPE, "The whole organization"),
            *((key, f"Unit: {u.name}") for key, u in self._units.items()),
            *((key, f"Person: {p.name}") for key, p in self._people.items()),
        ]

    def clean_scope(self) -> tuple[Unit | None, Person | None]:
        value = self.cleaned_data["scope"]
        return self._units.get(value), self._people.get(value)

    def may_use_scope(self, unit: Unit | None, scope_person: Person | None) -> bool:
        return access.may_create_in_scope(self.person, unit=unit, owner_scope=scope_person)

    def refuse_scope(self, unit: Unit | None, scope_person: Person | None) -> None:
        where = (
            f"unit {unit.name}"
            if unit
            else f"{scope_person.name}'s own work"
            if scope_person
            else "the whole organization"
        )
        self.add_error("scope", f"You may not put initiatives in {where}.")


class InitiativeCreateForm(InitiativeForm):
    """A new initiative, optionally serving a key result from the start."""

    key_result = forms.ModelChoiceField(
        queryset=KeyResult.objects.none(), required=False, label="Key result it serves",
        help_text="The outcome this work should move. More can be added on its page.",
    )  # fmt: skip

    def __init__(self, *args: Any, key_results: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key_result"].queryset = key_results  # type: ignore[attr-defined]
        self.fields["key_result"].label_from_instance = _key_result_label  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "scope" not in data:
            return data
        unit, scope_person = data["scope"]
        key_result = data.get("key_result")
        # Whoever may change the key result may start work for it, wherever the work sits.
        if not self.may_use_scope(unit, scope_person) and not (
            key_result is not None and access.key_result_editable(self.person, key_result)
        ):
            self.refuse_scope(unit, scope_person)
        return data


class InitiativeEditForm(InitiativeForm):
    """An initiative's fields after it was started; moving it to another scope needs the right
    to add work there."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "scope" in data and "scope" in self.changed_data:
            unit, scope_person = data["scope"]
            if not self.may_use_scope(unit, scope_person):
                self.refuse_scope(unit, scope_person)
        return data


class MilestoneForm(forms.Form):
    """A step of an initiative or a key result; its weight counts in the share done."""

    title = forms.CharField(max_length=300, label="Milestone")
    due = forms.DateField(required=False, widget=DateInput(), label="Due")
    weight = forms.DecimalField(
        min_value=0, max_digits=10, decimal_places=4, initial=1,
        help_text="How much this step counts beside the others (1 unless some weigh more).",
    )  # fmt: skip


class KeyResultLinkForm(forms.Form):
    """One more key result an initiative serves."""

    key_result = forms.ModelChoiceField(
        queryset=KeyResult.objects.none(), label="Key result",
        help_text="Key results you can see in running periods.",
    )  # fmt: skip

    def __init__(self, *args: Any, key_results: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key_result"].queryset = key_results  # type: ignore[attr-defined]
        self.fields["key_result"].label_from_instance = _key_result_label  # type: ignore[attr-defined]


def _key_result_label(kr: KeyResult) -> str:
    period = kr.objective.period
    return f"{kr.title} — {kr.objective.title}" + (f" ({period.name})" if period else "")


# Service errors name model fields; these are the form fields that show them.
FORM_FIELD_OF = {"scope_unit": "scope", "scope_person": "scope", "key_results": "key_result"}


def show_service_errors(form: forms.Form, error: ValidationError) -> None:
    show_refusal(form, error, FORM_FIELD_OF)


# == views ======================================================================================
def _pk(value: Any) -> int:
    """An id from the query string; anything else is a page that does not exist."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such page.") from None


def _initiative_to_change(person: Person, pk: int) -> Initiative:
    initiative = selectors.initiative_get(person=person, pk=pk)
    if not access.initiative_editable(person, initiative):
        raise PermissionDenied(
            "Only the initiative's owner, their managers, leaders of its unit, whoever may change a "
            "key result it serves, and admins change it."
        )
    return initiative


def _milestone_editable(person: Person, milestone: Milestone) -> bool:
    if milestone.initiative is not None:
        return access.initiative_editable(person, milestone.initiative)
    return access.key_result_editable(person, milestone.key_result)  # type: ignore[arg-type]


def _milestone_to_change(person: Person, pk: int) -> Milestone:
    milestone = selectors.milestone_get(person=person, pk=pk)
    if not _milestone_editable(person, milestone):
        raise PermissionDenied(
            "Only those who may change its initiative or key result change a milestone."
        )
    return milestone


def _back_to(milestone: Milestone) -> HttpResponse:
    """The page a milestone is listed on."""
    if milestone.initiative_id:
        return redirect("initiative", pk=milestone.initiative_id)
    return redirect("key-result-milestones", pk=milestone.key_result_id)


def _must_post(request: HttpRequest) -> HttpResponse | None:
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


# -- the list ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class InitiativeRow:
    """An initiative on the list with its milestones' progress and the key results it serves
    that the person may see."""

    initiative: Initiative
    progress: selectors.WorkProgress
    key_results: list[KeyResult]


@login_required
def initiative_list(request: HttpRequest) -> HttpResponse:
    """The initiatives a person may see, by state, owner and words in them."""
    person = require_person(request)
    state = request.GET.get("state", "")
    if state not in Initiative.State.values:
        state = ""
    mine = request.GET.get("owner") == "me"
    q = request.GET.get("q", "").strip()[:200]
    initiatives = selectors.initiative_list(
        person=person, state=state, owner=person if mine else None, q=q
    )
    page = Paginator(initiatives, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        InitiativeRow(
            initiative=initiative,
            progress=selectors.work_progress(initiative.milestone_rows),
            key_results=[link.key_result for link in initiative.visible_links],
        )
        for initiative in page.object_list
    ]
    return render(
        request,
        "goals/initiative_list.html",
        {
            "person": person,
            "nav": "initiatives",
            "page": page,
            "rows": rows,
            "state": state,
            "states": Initiative.State.choices,
            "mine": mine,
            "q": q,
            "filtered": bool(state or mine or q),
            "may_create": person.role != Person.Role.VIEWER,
        },
    )


# -- one initiative -------------------------------------------------------------------------------
def _initiative_page(
    request: HttpRequest,
    person: Person,
    initiative: Initiative,
    *,
    milestone_form: MilestoneForm | None = None,
    link_form: KeyResultLinkForm | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    editable = access.initiative_editable(person, initiative)
    key_results = selectors.initiative_key_results(person=person, initiative=initiative)
    milestones = selectors.initiative_milestones(initiative=initiative)
    if editable:
        milestone_form = milestone_form or MilestoneForm()
        link_form = link_form or KeyResultLinkForm(
            key_results=selectors.key_results_linkable(
                person=person,
                today=today,
                exclude=InitiativeKeyResult.objects.filter(initiative=initiative).values_list(
                    "key_result_id", flat=True
                ),
            )
        )
    return render(
        request,
        "goals/initiative.html",
        {
            "person": person,
            "nav": "initiatives",
            "today": today,
            "initiative": initiative,
            "editable": editable,
            "key_results": key_results,
            "milestones": milestones,
            "progress": selectors.work_progress(milestones),
            "history": selectors.initiative_history(person=person, initiative=initiative),
            "milestone_form": milestone_form if editable else None,
            "link_form": link_form if editable else None,
        },
    )


@login_required
def initiative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One initiative: what it is, the key results it serves, its milestones and its history."""
    person = require_person(request)
    initiative = selectors.initiative_get(person=person, pk=pk)
    return _initiative_page(request, person, initiative)


@login_required
def initiative_create(request: HttpRequest) -> HttpResponse:
    """A new initiative; `?key_result=ID` starts it serving that key result."""
    person = require_person(request)
    preset = None
    if request.GET.get("key_result"):
        preset = key_result_get(person=person, pk=_pk(request.GET["key_result"]))
    if person.role == Person.Role.VIEWER:
        raise PermissionDenied("Viewers read goals and work; they do not start initiatives.")
    today = timezone.localdate()
    running = Q(pk__in=selectors.key_results_linkable(person=person, today=today).values("pk"))
    choices = KeyResult.objects.filter(
        running | Q(pk=preset.pk) if preset else running
    ).select_related("objective__period")
    initial = {
        "owner": person,
        "scope": f"person:{person.pk}",
        "state": Initiative.State.PROPOSED,
        "key_result": preset,
    }
    form = InitiativeCreateForm(
        request.POST or None, initial=initial, person=person, key_results=choices
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit, scope_person = data["scope"]
        try:
            initiative = services.initiative_create(
                organization=person.organization,
                title=data["title"],
                owner=data["owner"],
                actor=person,
                key_results=[data["key_result"]] if data["key_result"] else None,
                description=data["description"],
                state=data["state"],
                effort_days=data["effort_days"],
                budget=data["budget"],
                result_area=data["result_area"],
                scope_unit=unit,
                scope_person=scope_person,
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "Initiative started. Add its milestones below.")
            return redirect("initiative", pk=initiative.pk)
    return render(
        request,
        "goals/initiative_form.html",
        {"person": person, "nav": "initiatives", "form": form, "key_result": preset},
    )


EDITABLE_FIELDS = ("title", "description", "owner", "state", "effort_days", "budget", "result_area")


@login_required
def initiative_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an initiative; only what changed is written, and the history keeps the old."""
    person = require_person(request)
    initiative = _initiative_to_change(person, pk)
    initial = {name: getattr(initiative, name) for name in EDITABLE_FIELDS}
    initial["scope"] = scope_value(initiative)
    form = InitiativeEditForm(
        request.POST or None, initial=initial, person=person, initiative=initiative
    )
    if request.method == "POST" and form.is_valid():
        changes: dict[str, Any] = {}
        for name in form.changed_data:
            if name == "scope":
                changes["scope_unit"], changes["scope_person"] = form.cleaned_data["scope"]
            else:
                changes[name] = form.cleaned_data[name]
        try:
            if changes:
                services.initiative_update(initiative=initiative, actor=person, **changes)
        except ValidationError as error:
            initiative.refresh_from_db()
            show_service_errors(form, error)
        else:
            messages.success(request, "Saved." if changes else "Nothing changed.")
            return redirect("initiative", pk=initiative.pk)
    return render(
        request,
        "goals/initiative_edit.html",
        {"person": person, "nav": "initiatives", "form": form, "initiative": initiative},
    )


@login_required
def initiative_milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a milestone to an initiative; a bad form shows on the initiative's page."""
    person = require_person(request)
    initiative = _initiative_to_change(person, pk)
    if request.method != "POST":
        return redirect("initiative", pk=initiative.pk)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        milestone = Milestone(initiative=initiative, **form.cleaned_data)
        try:
            services.milestone_save(milestone=milestone, actor=person)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Added the milestone “{milestone.title}”.")
            return redirect("initiative", pk=initiative.pk)
    return _initiative_page(request, person, initiative, milestone_form=form)


@login_required
def initiative_key_result_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Say the initiative serves one more key result (one the person can see)."""
    person = require_person(request)
    initiative = _initiative_to_change(person, pk)
    if (refusal := _must_post(request)) is not None:
        return refusal
    linked = InitiativeKeyResult.objects.filter(initiative=initiative).values_list(
        "key_result_id", flat=True
    )
    form = KeyResultLinkForm(
        request.POST,
        key_results=selectors.key_results_linkable(
            person=person, today=timezone.localdate(), exclude=linked
        ),
    )
    if form.is_valid():
        key_result = form.cleaned_data["key_result"]
        try:
            services.initiative_key_result_add(
                initiative=initiative, key_result=key_result, actor=person
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"The initiative now serves “{key_result.title}”.")
            return redirect("initiative", pk=initiative.pk)
    return _initiative_page(request, person, initiative, link_form=form)


@login_required
def initiative_key_result_remove(request: HttpRequest, pk: int, key_result_pk: int) -> HttpResponse:
    """The initiative no longer serves this key result."""
    person = require_person(request)
    initiative = _initiative_to_change(person, pk)
    link = (
        InitiativeKeyResult.objects.filter(
            initiative=initiative,
            key_result_id=key_result_pk,
            key_result__in=KeyResult.objects.filter(access.key_results_visible_q(person)).values(
                "pk"
            ),
        )
        .select_related("key_result")
        .first()
    )
    if link is None:
        raise Http404("The initiative does not serve that key result.")
    if (refusal := _must_post(request)) is not None:
        return refusal
    title = link.key_result.title
    services.initiative_key_result_remove(link=link, actor=person)
    messages.success(request, f"The initiative no longer serves “{title}”.")
    if not access.initiative_visible(person, initiative):
        return redirect("initiatives")  # it now serves only key results this person cannot see
    return redirect("initiative", pk=initiative.pk)


# -- milestones of a key result -------------------------------------------------------------------
@login_required
def key_result_milestones(request: HttpRequest, pk: int) -> HttpResponse:
    """A key result's milestones; for a key result of kind milestones they are its progress."""
    person = require_person(request)
    key_result = key_result_get(person=person, pk=pk)
    editable = access.key_result_editable(person, key_result)
    form = MilestoneForm()
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(
                "Only those who may change the key result change its milestones."
            )
        form = MilestoneForm(request.POST)
        if form.is_valid():
            milestone = Milestone(key_result=key_result, **form.cleaned_data)
            try:
                services.milestone_save(milestone=milestone, actor=person)
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, f"Added the milestone “{milestone.title}”.")
                return redirect("key-result-milestones", pk=key_result.pk)
    milestones = selectors.key_result_milestones(key_result=key_result)
    return render(
        request,
        "goals/milestone_list.html",
        {
            "person": person,
            "nav": "objectives",
            "today": timezone.localdate(),
            "key_result": key_result,
            "counts": key_result.kind == KeyResult.Kind.MILESTONES,
            "editable": editable,
            "milestones": milestones,
            "progress": selectors.work_progress(milestones),
            "form": form if editable else None,
        },
    )


# -- one milestone ------------------------------------------------------------------------------
@login_required
def milestone_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a milestone done or not done (`done=1`/`0`; flips without it). With htmx only its row
    (and the progress above it) is sent back."""
    person = require_person(request)
    milestone = _milestone_to_change(person, pk)
    if (refusal := _must_post(request)) is not None:
        return refusal
    before = snapshot(milestone)
    wanted = request.POST.get("done")
    milestone.done = (wanted == "1") if wanted in ("0", "1") else not milestone.done
    services.milestone_save(milestone=milestone, actor=person, before=before)
    if not request.htmx:  # type: ignore[attr-defined]
        word = "done" if milestone.done else "not done"
        messages.success(request, f"“{milestone.title}” is {word}.")
        return _back_to(milestone)
    key_result = None
    if milestone.initiative is not None:
        siblings = selectors.initiative_milestones(initiative=milestone.initiative)
    else:
        key_result = milestone.key_result
        assert key_result is not None  # a milestone belongs to an initiative or a key result
        key_result.refresh_from_db()  # its progress was re-rolled just now
        siblings = selectors.key_result_milestones(key_result=key_result)
    return render(
        request,
        "goals/_milestone_toggled.html",
        {
            "m": milestone,
            "today": timezone.localdate(),
            "editable": True,
            "progress": selectors.work_progress(siblings),
            "key_result": key_result,
            "counts": key_result is not None and key_result.kind == KeyResult.Kind.MILESTONES,
        },
    )


@login_required
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a milestone's title, due date or weight."""
    person = require_person(request)
    milestone = _milestone_to_change(person, pk)
    initial = {
        "title": milestone.title,
        "due": milestone.due.isoformat() if milestone.due else "",
        "weight": f"{milestone.weight.normalize():f}",
    }
    form = MilestoneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        before = snapshot(milestone)
        for name, value in form.cleaned_data.items():
            setattr(milestone, name, value)
        try:
            services.milestone_save(milestone=milestone, actor=person, before=before)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Saved the milestone “{milestone.title}”.")
            return _back_to(milestone)
    return render(
        request,
        "goals/milestone_form.html",
        {"person": person, "nav": _nav_of(milestone), "form": form, "milestone": milestone},
    )


@login_required
def milestone_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then remove a milestone (the history keeps it)."""
    person = require_person(request)
    milestone = _milestone_to_change(person, pk)
    if request.method == "POST":
        title = milestone.title
        services.milestone_delete(milestone=milestone, actor=person)
        messages.success(request, f"Removed the milestone “{title}”.")
        return _back_to(milestone)
    return render(
        request,
        "goals/milestone_confirm_remove.html",
        {"person": person, "nav": _nav_of(milestone), "milestone": milestone},
    )


def _nav_of(milestone: Milestone) -> str:
    return "initiatives" if milestone.initiative_id else "objectives"
