"""The one-screen check-in: every key result I own in the running periods, one submit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from headway import access
from headway.checkins.forms import CheckInFormSet
from headway.checkins.services import checkin_record_many
from headway.goals.selectors import key_results_to_check_in
from headway.web.current import require_person


@login_required
def check_in(request: HttpRequest) -> HttpResponse:
    person = require_person(request)
    today = timezone.localdate()
    key_results = list(key_results_to_check_in(person=person, today=today))
    shown = access.visible_objective_ids(person, (row.objective_id for row in key_results))
    for row in key_results:  # a key result of mine under someone else's private objective
        row.objective_shown = row.objective_id in shown  # type: ignore[attr-defined]
    by_id = {kr.pk: kr for kr in key_results}
    if request.method == "POST":
        formset = CheckInFormSet(request.POST)
        if formset.is_valid():
            entries = []
            positions = []
            for position, form in enumerate(formset.forms):
                kr = by_id.get(form.cleaned_data["key_result"])
                if kr is None:  # not one of mine (any more): refuse rather than guess
                    form.add_error(None, "This key result is not yours to check in.")
                    continue
                if form.is_blank():
                    continue
                data = form.cleaned_data
                entries.append(
                    {
                        "key_result": kr,
                        "value": data["value"],
                        "confidence": data["confidence"],
                        "status": data["status"],
                        "note": data["note"],
                    }
                )
                positions.append(position)
            if not any(form.non_field_errors() for form in formset.forms):
                if not entries:
                    messages.info(request, "Nothing to record: every row was empty.")
                    return redirect("check-in")
                try:
                    checkin_record_many(author=person, entries=entries)
                except ValidationError as error:
                    for key, problems in error.message_dict.items():
                        index, field = key.split(".", 1)
                        form = formset.forms[positions[int(index)]]
                        form.add_error(field if field in form.fields else None, problems)
                else:
                    messages.success(
                        request,
                        f"Recorded {len(entries)} check-in{'s' if len(entries) != 1 else ''}.",
                    )
                    return redirect("home")
    else:
        formset = CheckInFormSet(initial=[{"key_result": kr.pk} for kr in key_results])
    rows = []
    for form in formset.forms:
        kr_id = form["key_result"].value()
        kr = by_id.get(int(kr_id)) if kr_id not in (None, "") else None
        rows.append((form, kr))
    return render(
        request,
        "checkins/check_in.html",
        {"formset": formset, "rows": rows, "person": person, "nav": "check-in", "today": today},
    )
