"""The weekly summary page: a leader's week (this one up to now, or an earlier one by its day),
the same four sections the weekly email sums up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django_htmx.http import HttpResponseClientRefresh

from headway.notify import prepared
from headway.notify.selectors import organization_now
from headway.notify.summary import scope_of, summary_for_page
from headway.web.current import require_person


def _week(raw: str) -> tuple[dt.date | None, str]:
    """The day asked for in `?week=YYYY-MM-DD`, or why it was not understood."""
    raw = raw.strip()
    if not raw:
        return None, ""
    try:
        return dt.date.fromisoformat(raw), ""
    except ValueError:
        return None, f"“{raw[:20]}” is not a date (YYYY-MM-DD); this is the current week."


@login_required
def weekly_summary(request: HttpRequest) -> HttpResponse:
    """The summary of the week asked for: the current week's read at once, unless the scope is
    too large, when the worker prepares it (as it does every earlier week's)."""
    person = require_person(request)
    today = organization_now(person.organization).date()
    week, problem = _week(request.GET.get("week", ""))
    if week is not None and week > today:
        week, problem = None, "That day is still to come; this is the current week."
    day = week if week is not None and week < today else today
    current = day == today
    scope = scope_of(person, at_most=prepared.PREPARE_ABOVE)
    context: dict[str, Any] = {"person": person, "nav": "summary", "scope": scope, "day": day}
    context.update(today=today, current=current, problem=problem, prepared=None, body=None)
    if scope.leads and prepared.prepared_by_worker(scope, current=current):
        row = prepared.summary_prepared(person=person, day=day, current=current)
        if request.htmx and request.GET.get("poll"):  # type: ignore[attr-defined]
            if not row.pending:
                return HttpResponseClientRefresh()  # ready: show it
            return render(request, "notify/_prepared.html", {**context, "prepared": row})
        context.update(prepared=row, since=row.since)
        if row.prepared_at is not None:
            context["body"] = mark_safe(row.html)  # rendered by summary_body, escaped there
    elif scope.leads:
        summary = summary_for_page(person=person, week=week, scope=scope)
        context.update(since=summary.since, body=prepared.summary_body(summary))
    earlier = day - dt.timedelta(days=7)
    later = day + dt.timedelta(days=7)
    context["earlier"] = earlier
    context["later"] = later if later <= today else (today if day < today else None)
    return render(request, "notify/summary.html", context)
