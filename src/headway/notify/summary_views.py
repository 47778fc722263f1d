"""The weekly summary page: a leader's week (this one up to now, or an earlier one by its day),
the same four sections the weekly email sums up."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from headway.notify.selectors import organization_now
from headway.notify.summary import summary_for_page
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
    person = require_person(request)
    today = organization_now(person.organization).date()
    week, problem = _week(request.GET.get("week", ""))
    if week is not None and week > today:
        week, problem = None, "That day is still to come; this is the current week."
    summary = summary_for_page(person=person, week=week)
    earlier = summary.day - dt.timedelta(days=7)
    later = summary.day + dt.timedelta(days=7)
    return render(
        request,
        "notify/summary.html",
        {
            "person": person,
            "nav": "summary",
            "summary": summary,
            "today": today,
            "current": summary.day == today,
            "problem": problem,
            "earlier": earlier,
            "later": later if later <= today else (today if summary.day < today else None),
        },
    )
