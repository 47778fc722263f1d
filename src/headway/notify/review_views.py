"""The KRA review settings page: how long before a review is due its owner is reminded, and how
long after it the owner's manager is told (admins only)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from headway import access
from headway.notify import reviews
from headway.web.current import require_person
from headway.web.refusals import show_refusal


class ReviewPolicyForm(forms.Form):
    remind_days = forms.IntegerField(
        min_value=0,
        max_value=reviews.MAX_DAYS,
        label="Remind the owner this many days before the review is due",
        help_text="0 reminds on the day itself.",
    )
    grace_days = forms.IntegerField(
        min_value=0,
        max_value=reviews.MAX_DAYS,
        label="Tell the owner's manager when the review is this many days overdue",
        help_text="0 tells the manager on the due day itself.",
    )


@login_required
def review_settings(request: HttpRequest) -> HttpResponse:
    person = require_person(request)
    if not access.is_admin(person):
        raise PermissionDenied("Only administrators set the KRA review reminders.")
    organization = person.organization
    policy = reviews.review_policy_of(organization)
    form = ReviewPolicyForm(
        request.POST or None,
        initial={"remind_days": policy.remind_days, "grace_days": policy.grace_days},
    )
    if request.method == "POST" and form.is_valid():
        try:
            reviews.review_policy_set(organization=organization, actor=person, **form.cleaned_data)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, "Saved the KRA review reminders.")
            return redirect("kra-review-settings")
    return render(
        request,
        "notify/review_settings.html",
        {"person": person, "nav": "cadences", "form": form, "policy": policy},
    )
