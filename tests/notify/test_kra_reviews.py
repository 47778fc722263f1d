"""KRA review cadences, with the clock moving across a quarter: the owner is reminded before a
review is due, the owner's manager is told once it is overdue past the grace period, marking it
reviewed starts the next round, and nothing is ever sent twice."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.core import mail
from tests.conftest import Company, signed_in
from tests.notify.conftest import Clock, RunWorker

from headway.audit.models import AuditEvent
from headway.goals import services as goals
from headway.goals.models import ResultArea
from headway.notify import reviews
from headway.notify.models import Kind, Notification
from headway.org.models import Person

pytestmark = pytest.mark.django_db
UTC = dt.UTC
OCT_1 = dt.date(2026, 10, 1)
REVIEW_KINDS = (Kind.KRA_REVIEW, Kind.KRA_REVIEW_OVERDUE)


def kra(company: Company, name: str, *, owner: Person | None, reviewed: dt.date | None,
        cadence: int = 30, **fields: object) -> ResultArea:  # fmt: skip
    at = None if reviewed is None else dt.datetime.combine(reviewed, dt.time(10), tzinfo=UTC)
    area = goals.result_area_create(
        organization=company.org, name=name, owner=owner, scope_unit=fields.pop("unit", None)
        or company.sales, review_cadence_days=cadence, last_reviewed_at=at, **fields,
    )  # fmt: skip
    return area


def review_news() -> dict[tuple[str, str], list[dt.date]]:
    """(person's email, kind) → the days they were told, in order."""
    news: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for n in Notification.objects.filter(kind__in=REVIEW_KINDS).order_by("created_at", "id"):
        news[(n.person.email, n.kind)].append(n.created_at.date())
    return dict(news)


def run_days(clock: Clock, run_worker: RunWorker, first: dt.date, last: dt.date,
             on: dict[dt.date, object] | None = None) -> None:  # fmt: skip
    """The worker every morning at 08:05 (before the hour: nothing) and 09:05, twice."""
    day = first
    while day <= last:
        clock.set(day, 8, 5)
        run_worker()
        clock.set(day, 9, 5)
        run_worker()
        run_worker()
        action = (on or {}).get(day)
        if callable(action):
            action()
        day += dt.timedelta(days=1)


def test_across_a_quarter_the_owner_is_reminded_and_the_manager_told_when_overdue(
    company: Company, clock: Clock, run_worker: RunWorker
) -> None:
    # given: Mia's KRA, reviewed on 1 October every 30 days: due 31 October
    clock.set(OCT_1, 7)
    area = kra(company, "New business", owner=company.member, reviewed=OCT_1)

    def mia_reviews() -> None:
        goals.result_area_review(area=area, actor=company.member, note="Still vital.")

    # when: a quarter of mornings; Mia reviews it on 20 November
    run_days(
        clock, run_worker, OCT_1, dt.date(2026, 12, 31), on={dt.date(2026, 11, 20): mia_reviews}
    )

    # then: reminded 7 days before each due day (31 Oct, then 20 Dec); Leo told 14 days after
    # the first, never about the second (it is not overdue yet by 31 December)
    assert review_news() == {
        (company.member.email, Kind.KRA_REVIEW): [dt.date(2026, 10, 24), dt.date(2026, 12, 13)],
        (company.leader.email, Kind.KRA_REVIEW_OVERDUE): [dt.date(2026, 11, 14)],
    }
    first, second = Notification.objects.filter(person=company.member).order_by("created_at")
    assert first.title == "Your KRA “New business” is due for review on 31 Oct 2026"
    assert first.url == f"/kras/{area.pk}/"
    assert (
        "last reviewed on 1 Oct 2026; the review is due on 31 Oct 2026" in first.items[0]["detail"]
    )
    assert second.title == "Your KRA “New business” is due for review on 20 Dec 2026"
    [overdue] = Notification.objects.filter(person=company.leader)
    assert overdue.title == "Mia Member's KRA “New business” is overdue for review"
    assert "the review is 14 days overdue" in overdue.items[0]["detail"]
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == sorted(
        [first.title, second.title, overdue.title]
    )  # each emailed once, however often the worker ran


def test_a_kra_never_reviewed_is_due_from_the_day_it_was_created(
    company: Company, clock: Clock, run_worker: RunWorker
) -> None:
    clock.set(OCT_1, 7)
    kra(company, "Customer trust", owner=company.member, reviewed=None)

    run_days(clock, run_worker, OCT_1, dt.date(2026, 10, 31))

    assert review_news() == {
        (company.member.email, Kind.KRA_REVIEW): [OCT_1],
        (company.leader.email, Kind.KRA_REVIEW_OVERDUE): [dt.date(2026, 10, 15)],
    }
    note = Notification.objects.get(person=company.member)
    assert note.title == "Your KRA “Customer trust” has never been reviewed"
    assert note.items[0]["detail"] == "never reviewed"


def test_the_organizations_policy_moves_both_days(
    company: Company, clock: Clock, run_worker: RunWorker
) -> None:
    clock.set(OCT_1, 7)
    reviews.review_policy_set(
        organization=company.org, remind_days=2, grace_days=0, actor=company.admin
    )
    kra(company, "New business", owner=company.member, reviewed=OCT_1, cadence=10)

    run_days(clock, run_worker, OCT_1, dt.date(2026, 10, 20))

    assert review_news() == {
        (company.member.email, Kind.KRA_REVIEW): [dt.date(2026, 10, 9)],
        (company.leader.email, Kind.KRA_REVIEW_OVERDUE): [dt.date(2026, 10, 11)],
    }


def test_a_kra_without_owner_reminds_its_units_head_and_escalates_above(
    company: Company, clock: Clock, run_worker: RunWorker
) -> None:
    clock.set(OCT_1, 7)
    kra(company, "Pipeline", owner=None, reviewed=None, unit=company.sales)

    run_days(clock, run_worker, OCT_1, dt.date(2026, 10, 16))

    assert review_news() == {
        (company.leader.email, Kind.KRA_REVIEW): [OCT_1],  # Leo heads Sales
        (company.admin.email, Kind.KRA_REVIEW_OVERDUE): [dt.date(2026, 10, 15)],  # his manager
    }


def test_retired_kras_and_owners_at_the_top_get_no_escalation(
    company: Company, clock: Clock, run_worker: RunWorker
) -> None:
    clock.set(OCT_1, 7)
    kra(company, "Old area", owner=company.member, reviewed=None, state=ResultArea.State.RETIRED)
    kra(company, "Support quality", owner=company.outsider, reviewed=None, unit=company.support)

    run_days(clock, run_worker, OCT_1, dt.date(2026, 10, 31))

    assert review_news() == {(company.outsider.email, Kind.KRA_REVIEW): [OCT_1]}


def test_an_admin_sets_the_policy_on_its_page_and_others_may_not(company: Company) -> None:
    page = signed_in(company.admin).get("/settings/kra-reviews/")
    assert page.status_code == 200
    assert "owners are reminded <strong>7 days</strong>" in page.content.decode()
    assert signed_in(company.leader).get("/settings/kra-reviews/").status_code == 403
    assert (
        signed_in(company.leader)
        .post("/settings/kra-reviews/", {"remind_days": 1, "grace_days": 1})
        .status_code
        == 403
    )

    bad = signed_in(company.admin).post(
        "/settings/kra-reviews/", {"remind_days": -1, "grace_days": "soon"}
    )
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "Ensure this value is greater than or equal to 0." in html
    assert "Enter a whole number." in html
    company.org.refresh_from_db()
    assert reviews.review_policy_of(company.org) == reviews.ReviewPolicy(7, 14)

    saved = signed_in(company.admin).post(
        "/settings/kra-reviews/", {"remind_days": 3, "grace_days": 21}
    )
    assert saved.status_code == 302
    company.org.refresh_from_db()
    assert reviews.review_policy_of(company.org) == reviews.ReviewPolicy(3, 21)
    event = AuditEvent.objects.get(object_type="organization")
    assert event.actor == company.admin
    assert event.changes == {"kra_review.remind_days": [7, 3], "kra_review.grace_days": [14, 21]}


def test_a_broken_stored_policy_falls_back_to_the_defaults(company: Company) -> None:
    company.org.settings = {"kra_review": {"remind_days": "soon", "grace_days": -4}}
    assert reviews.review_policy_of(company.org) == reviews.ReviewPolicy(7, 14)
