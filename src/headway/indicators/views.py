"""The KPI pages: the list, one KPI against its targets, and the forms that create and change
KPIs and their targets. Views parse and render; the services write, the selectors read."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from headway import access
from headway.core.indicators import (
    DEFAULT_RED_ABOVE_SHARE,
    DEFAULT_RED_SHARE,
    DEFAULT_TOLERANCE_SHARE,
)
from headway.core.model import to_float
from headway.goals.models import KeyResult, ResultArea
from headway.indicators import selectors, services
from headway.indicators.forms import (
    IndicatorEditForm,
    IndicatorFilterForm,
    IndicatorForm,
    MeasurementForm,
    TargetForm,
)
from headway.indicators.models import Indicator, Measurement, Target
from headway.org.models import Period, Person
from headway.web.current import require_person
from headway.web.refusals import show_refusal

PAGE_SIZE = 50
LIST_PAGE_SIZE = 50
THRESHOLDS = ("red_below", "red_above", "tolerance")
THRESHOLD_WORDS = {"red_below": "“red below”", "red_above": "“red above”"}


def _fraction(value: Any) -> Fraction | None:
    return None if value is None else Fraction(value)


def _words(message: str) -> str:
    """The services name thresholds by their field; a page names them as its labels do."""
    for name, words in THRESHOLD_WORDS.items():
        message = message.replace(name, words)
    return message


def _show_errors(
    form: forms.Form, error: ValidationError, rename: dict[str, str] | None = None
) -> None:
    """A service's refusal next to the field it names, in the KPI pages' words."""
    show_refusal(form, error, rename, wording=_words)


def _charted_targets(targets: list[Target]) -> list[Target]:
    """Targets of periods that do not overlap (a month inside a quarter would draw twice):
    earliest first, shortest first on the same start."""
    chosen: list[Target] = []
    for target in sorted(targets, key=lambda t: (t.period.start, t.period.end)):
        if chosen and target.period.start <= chosen[-1].period.end:
            continue
        chosen.append(target)
    return chosen


def _step(targets: list[Target], level: Any) -> list[dict[str, Any]]:
    """A stepped series: `level(target)` from each period's start, held to the last one's end."""
    points = [{"x": t.period.start.isoformat(), "y": to_float(level(t))} for t in targets]
    if targets:
        points.append({"x": targets[-1].period.end.isoformat(), "y": points[-1]["y"]})
    return points


def _bands(indicator: Indicator, targets: list[Target], top: Fraction) -> list[dict[str, Any]]:
    """Red/amber/green as filled stepped areas, stacked from the bottom up (DESIGN §3.6)."""

    def band(label: str, colour: str, level: Any, fill: Any = "-1") -> dict[str, Any]:
        return {
            "label": label,
            "style": "band",
            "colour": colour,
            "fill": fill,
            "points": _step(targets, level),
        }

    def value(t: Target) -> Fraction:
        return Fraction(t.value or 0)

    if indicator.direction == Indicator.Direction.UP:
        red_below = _fraction(indicator.red_below)
        return [
            band(
                "Red",
                "red",
                lambda t: red_below if red_below is not None else value(t) * DEFAULT_RED_SHARE,
                "origin",
            ),
            band("Amber", "amber", value),
            band("Green", "green", lambda t: top),
        ]
    if indicator.direction == Indicator.Direction.DOWN:
        red_above = _fraction(indicator.red_above)
        return [
            band("Green", "green", value, "origin"),
            band(
                "Amber",
                "amber",
                lambda t: (
                    red_above if red_above is not None else value(t) * DEFAULT_RED_ABOVE_SHARE
                ),
            ),
            band("Red", "red", lambda t: top),
        ]
    tolerance = _fraction(indicator.tolerance)

    def slack(t: Target) -> Fraction:
        if tolerance is not None:
            return tolerance
        lower, upper = Fraction(t.lower or 0), Fraction(t.upper or 0)
        return DEFAULT_TOLERANCE_SHARE * ((upper - lower) or abs(lower))

    floor = band("Red below", "red", lambda t: Fraction(t.lower or 0) - slack(t), "origin")
    return [
        floor,
        band("Amber", "amber", lambda t: Fraction(t.lower or 0)),
        band("Green", "green", lambda t: Fraction(t.upper or 0)),
        band("Amber", "amber", lambda t: Fraction(t.upper or 0) + slack(t)),
        band("Red above", "red", lambda t: top),
    ]


def _chart(
    indicator: Indicator, measurements: list[Measurement], targets: list[Target]
) -> dict[str, Any]:
    """The series charts.js draws: the values, the target per period, and the RAG bands."""
    charted = _charted_targets(targets)
    levels = [Fraction(m.value) for m in measurements]
    for t in charted:
        levels += [Fraction(v) for v in (t.value, t.lower, t.upper) if v is not None]
    top = max(levels) * Fraction(6, 5) if levels and max(levels) > 0 else Fraction(1)
    series: list[dict[str, Any]] = [
        {
            "label": indicator.name,
            "style": "line",
            "colour": "blue",
            "points": [{"x": m.date.isoformat(), "y": to_float(m.value)} for m in measurements],
        }
    ]
    if charted:
        if indicator.direction == Indicator.Direction.RANGE:
            series.append(
                {
                    "label": "Target (lower)",
                    "style": "step",
                    "colour": "dark",
                    "points": _step(charted, lambda t: t.lower),
                }
            )
            series.append(
                {
                    "label": "Target (upper)",
                    "style": "step",
                    "colour": "dark",
                    "points": _step(charted, lambda t: t.upper),
                }
            )
        else:
            series.append(
                {
                    "label": "Target",
                    "style": "step",
                    "colour": "dark",
                    "points": _step(charted, lambda t: t.value),
                }
            )
        series += _bands(indicator, charted, top)
    return {"unit": indicator.unit_label, "series": series}


def _record(request: HttpRequest, person: Person, indicator: Indicator) -> MeasurementForm:
    """Record a posted value; the form comes back with its errors when nothing was recorded."""
    form = MeasurementForm(request.POST)
    if not form.is_valid():
        return form
    data = form.cleaned_data
    previous = Measurement.objects.filter(indicator=indicator, date=data["date"]).first()
    try:
        services.measurement_record(
            indicator=indicator,
            date=data["date"],
            value=data["value"],
            note=data["note"],
            actor=person,
        )
    except ValidationError as error:
        _show_errors(form, error)
        return form
    value = f"{data['value'].normalize():f}"
    if previous is not None:
        messages.success(
            request,
            f"Replaced the value of {data['date']:%Y-%m-%d} "
            f"({previous.value.normalize():f}) with {value}.",
        )
    else:
        messages.success(request, f"Recorded {value} on {data['date']:%Y-%m-%d}.")
    return form


def _detail(
    request: HttpRequest,
    person: Person,
    indicator: Indicator,
    *,
    form: MeasurementForm | None = None,
    target_form: TargetForm | None = None,
) -> HttpResponse:
    """The KPI page, with the value and target forms as posted when they came back refused."""
    editable = access.indicator_editable(person, indicator)
    today = timezone.localdate()
    measurements = list(indicator.measurements.order_by("date"))
    targets = list(indicator.targets.select_related("period").order_by("period__start"))
    periods = list(Period.objects.filter(organization_id=indicator.organization_id))
    current = selectors.indicator_reading(
        indicator, measurements=measurements, targets=targets, periods=periods, today=today
    )
    if editable and target_form is None:
        period = current.period
        target_form = TargetForm(
            indicator=indicator,
            initial={"period": period if period and period.state != Period.State.CLOSED else None},
        )
    table = Paginator(indicator.measurements.order_by("-date"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    followers = [
        kr
        for kr in KeyResult.objects.filter(indicator=indicator).select_related(
            "objective__owner", "objective__scope_unit", "objective__scope_person__unit", "owner"
        )
        if access.key_result_visible(person, kr)
    ]
    return render(
        request,
        "indicators/indicator.html",
        {
            "person": person,
            "nav": "kpis",
            "indicator": indicator,
            "editable": editable,
            "form": (form or MeasurementForm(initial={"date": today}))
            if access.measurement_allowed(person, indicator)
            else None,
            "target_form": target_form if editable else None,
            "targets": targets,
            "page": table,
            "current": current,
            "rag_label": current.label,
            "rag_badge": current.badge,
            "chart": _chart(indicator, measurements, targets),
            "followers": followers,
        },
    )


@login_required
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One KPI: how it moves against its targets, where it stands now, and what it serves."""
    person = require_person(request)
    indicator = selectors.indicator_get(person=person, pk=pk)
    if request.method == "POST":
        if not access.measurement_allowed(person, indicator):
            raise PermissionDenied("You may not record values of this KPI.")
        form = _record(request, person, indicator)
        if form.is_valid() and not form.errors:
            return redirect("indicator", pk=indicator.pk)
        return _detail(request, person, indicator, form=form)
    return _detail(request, person, indicator)


@login_required
def indicator_target(request: HttpRequest, pk: int) -> HttpResponse:
    """Set or replace the KPI's target for a period; refused, the KPI page shows why."""
    person = require_person(request)
    indicator = selectors.indicator_get(person=person, pk=pk)
    if not access.indicator_editable(person, indicator):
        raise PermissionDenied(
            "Only the KPI's owner, their managers, its leaders and admins set its targets."
        )
    if request.method != "POST":
        return redirect("indicator", pk=indicator.pk)
    form = TargetForm(request.POST, indicator=indicator)
    if form.is_valid():
        data = form.cleaned_data
        period = data["period"]
        replaced = Target.objects.filter(indicator=indicator, period=period).exists()
        try:
            target = services.target_set(
                indicator=indicator,
                period=period,
                value=data.get("value"),
                lower=data.get("lower"),
                upper=data.get("upper"),
                actor=person,
            )
        except ValidationError as error:
            # A disagreement with the thresholds belongs to the number just typed.
            first = "lower" if "lower" in form.fields else "value"
            for field in THRESHOLDS:
                if field in error.message_dict:
                    form.add_error(
                        first,
                        [
                            f"This target disagrees with the KPI's thresholds: {_words(p)} "
                            "Change the target, or edit the KPI's thresholds first."
                            for p in error.message_dict[field]
                        ],
                    )
            _show_errors(
                form,
                ValidationError(
                    {k: v for k, v in error.message_dict.items() if k not in THRESHOLDS}
                ),
            )
        else:
            level = (
                f"{target.value.normalize():f}"
                if target.value is not None
                else f"{target.lower.normalize():f}–{target.upper.normalize():f}"
            )
            unit = f" {indicator.unit_label}" if indicator.unit_label else ""
            verb = "Replaced the target" if replaced else "Set the target"
            messages.success(request, f"{verb} for {period}: {level}{unit}.")
            return redirect("indicator", pk=indicator.pk)
    return _detail(request, person, indicator, target_form=form)


def _may_create_somewhere(person: Person) -> bool:
    """Everyone but viewers may at least add KPIs to their own scope."""
    return access.may_create_in_scope(person, unit=None, owner_scope=person)


@login_required
def indicator_list(request: HttpRequest) -> HttpResponse:
    """Every KPI of the organization with where it stands this period; filtered and paginated.

    Queries stay the same however many KPIs there are (the selectors read them in bulk)."""
    person = require_person(request)
    filters = IndicatorFilterForm(request.GET, person=person)
    chosen = filters.filters()
    indicators = selectors.indicator_list(
        person=person, unit=chosen.get("unit"), owner=chosen.get("owner"), q=chosen.get("q", "")
    )
    today = timezone.localdate()
    status = chosen.get("status")
    if status:
        ids = selectors.indicators_in_status(indicators=indicators, status=status, today=today)
        page: Page[Any] = Paginator(ids, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
        found = selectors.with_latest(indicators.filter(pk__in=list(page))).in_bulk()
        shown = [found[pk] for pk in page]
    else:
        page = Paginator(selectors.with_latest(indicators), LIST_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        shown = list(page)
    # Only this page's KPIs are read; the page then holds their rows.
    page.object_list = selectors.indicator_rows(indicators=shown, today=today)
    return render(
        request,
        "indicators/indicators.html",
        {
            "person": person,
            "nav": "kpis",
            "filters": filters,
            "filtered": bool(chosen),
            "page": page,
            "may_create": _may_create_somewhere(person),
        },
    )


def _create_initial(request: HttpRequest, person: Person) -> dict[str, Any]:
    """Presets from the link that led here: ?unit=, ?person= and ?kra= (the KRA's scope too)."""
    unit, scope_person, kra = (request.GET.get(n) for n in ("unit", "person", "kra"))
    preset: dict[str, Any] = {"scope_unit": unit, "scope_person": scope_person}
    if not unit and not scope_person:
        area = (
            ResultArea.objects.filter(organization_id=person.organization_id, pk=kra).first()
            if kra and kra.isdigit()
            else None
        )
        if area is not None and (
            area.scope_unit_id or area.scope_person_id or access.is_admin(person)
        ):
            preset = {"scope_unit": area.scope_unit_id, "scope_person": area.scope_person_id}
        else:
            preset["scope_person"] = person.pk  # their own scope: the one they surely may use
    return {**preset, "result_area": kra, "owner": preset["scope_person"] or person.pk}


INDICATOR_FIELDS = (
    "description",
    "unit_label",
    "direction",
    "frequency",
    "aggregation",
    "leading",
    "red_below",
    "red_above",
    "tolerance",
)
TARGET_FIELDS = {
    "period": "target_period",
    "value": "target_value",
    "lower": "target_lower",
    "upper": "target_upper",
}


@login_required
def indicator_create(request: HttpRequest) -> HttpResponse:
    """A new KPI in a unit's or a person's scope, with its first target when one is given.
    Either all of it is saved or none of it."""
    person = require_person(request)
    if not _may_create_somewhere(person):
        raise PermissionDenied("Viewers read KPIs; they do not add them.")
    if request.method == "POST":
        form = IndicatorForm(request.POST, person=person)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    indicator = services.indicator_create(
                        organization=person.organization,
                        name=data["name"],
                        owner=data["owner"],
                        actor=person,
                        scope_unit=data["scope_unit"],
                        scope_person=data["scope_person"],
                        result_area=data["result_area"],
                        **{name: data[name] for name in INDICATOR_FIELDS},
                    )
                    if data["target_period"] is not None:
                        services.target_set(
                            indicator=indicator,
                            period=data["target_period"],
                            value=data["target_value"],
                            lower=data["target_lower"],
                            upper=data["target_upper"],
                            actor=person,
                        )
            except ValidationError as error:
                _show_errors(form, error, TARGET_FIELDS)
            else:
                messages.success(request, f"Created the KPI “{indicator.name}”.")
                return redirect("indicator", pk=indicator.pk)
    else:
        form = IndicatorForm(initial=_create_initial(request, person), person=person)
    return render(
        request, "indicators/indicator_form.html", {"person": person, "nav": "kpis", "form": form}
    )


EDITABLE_FIELDS = ("name", "owner", "result_area", *INDICATOR_FIELDS)


@login_required
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a KPI's wording, owner, KRA, direction or thresholds; the history keeps the old."""
    person = require_person(request)
    indicator = selectors.indicator_get(person=person, pk=pk)
    if not access.indicator_editable(person, indicator):
        raise PermissionDenied(
            "Only the KPI's owner, their managers, its leaders and admins change it."
        )
    initial = {name: getattr(indicator, name) for name in EDITABLE_FIELDS}
    form = IndicatorEditForm(
        request.POST or None, initial=initial, person=person, indicator=indicator
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if changes:
                services.indicator_update(indicator=indicator, actor=person, **changes)
        except ValidationError as error:
            indicator.refresh_from_db()  # the service changed it in memory before refusing
            _show_errors(form, error)
        else:
            messages.success(request, "Saved." if changes else "Nothing changed.")
            return redirect("indicator", pk=indicator.pk)
    return render(
        request,
        "indicators/indicator_edit.html",
        {"person": person, "nav": "kpis", "form": form, "indicator": indicator},
    )
