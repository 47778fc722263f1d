"""The key-result text parser: the many ways people write a key result, and what it refuses."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from headway.core.krtext import KeyResultParseError, ParsedKeyResult, parse_key_result
from headway.core.model import Direction, KRKind

UP = Direction.INCREASE
DOWN = Direction.DECREASE
LEAST = Direction.AT_LEAST
MOST = Direction.AT_MOST
WITHIN = Direction.WITHIN
NUM = KRKind.NUMBER
PCT = KRKind.PERCENT
CUR = KRKind.CURRENCY


def kr(
    metric: str,
    direction: Direction,
    start: str | None,
    target: str | None,
    unit: str,
    kind: KRKind,
    *,
    lower: str | None = None,
    upper: str | None = None,
) -> ParsedKeyResult:
    def number(value: str | None) -> Fraction | None:
        return None if value is None else Fraction(value)

    return ParsedKeyResult(
        metric=metric,
        direction=direction,
        start=number(start),
        target=number(target),
        lower=number(lower),
        upper=number(upper),
        unit=unit,
        kind=kind,
    )


ACCEPTED = [
    # The seed's examples.
    (
        "Reduce customer churn rate from 8% to 5%",
        kr("customer churn rate", DOWN, "8", "5", "%", PCT),
    ),
    ("Increase NPS from 45 to 60", kr("NPS", UP, "45", "60", "", NUM)),
    (
        "Increase Net Promoter Score (NPS) from 45 to 60 points.",
        kr("Net Promoter Score (NPS)", UP, "45", "60", "points", NUM),
    ),
    (
        "Improve average support response time from 2 hours to 30 minutes",
        kr("average support response time", DOWN, "120", "30", "minutes", NUM),
    ),
    ("Grow ARR from $1.2M to $2M", kr("ARR", UP, "1200000", "2000000", "USD", CUR)),
    ("Keep uptime at or above 99.9%", kr("uptime", LEAST, None, "99.9", "%", PCT)),
    # Verbs, capitalization, trailing punctuation, arrows.
    ("REDUCE CHURN FROM 8% TO 5%!", kr("CHURN", DOWN, "8", "5", "%", PCT)),
    ("Increase Revenue From $1.2M To $2M.", kr("Revenue", UP, "1200000", "2000000", "USD", CUR)),
    ("Lower CAC from $120 to $90", kr("CAC", DOWN, "120", "90", "USD", CUR)),
    ("Shrink backlog from 400 to 150 tickets", kr("backlog", DOWN, "400", "150", "tickets", NUM)),
    ("Lift conversion rate from 2.5% to 3.2%", kr("conversion rate", UP, "2.5", "3.2", "%", PCT)),
    ("Boost retention from 70% to 80%", kr("retention", UP, "70", "80", "%", PCT)),
    ("Drop bounce rate 60% -> 45%", kr("bounce rate", DOWN, "60", "45", "%", PCT)),
    ("NPS 45 → 60", kr("NPS", UP, "45", "60", "", NUM)),
    ("Churn: 8% -> 5%", kr("Churn", DOWN, "8", "5", "%", PCT)),
    ("Grow ARR $1.2M → $2M", kr("ARR", UP, "1200000", "2000000", "USD", CUR)),
    ("Bring churn down from 8% to 5%", kr("churn", DOWN, "8", "5", "%", PCT)),
    (
        "Take onboarding time from 14 days to 7 days",
        kr("onboarding time", DOWN, "14", "7", "days", NUM),
    ),
    ("Get support backlog from 500 to 200", kr("support backlog", DOWN, "500", "200", "", NUM)),
    ("Move margin from -5% to 3%", kr("margin", UP, "-5", "3", "%", PCT)),
    ("Increase NPS from -10 to 20", kr("NPS", UP, "-10", "20", "", NUM)),
    ("KR1: Increase NPS from 45 to 60", kr("NPS", UP, "45", "60", "", NUM)),
    ("Increase share to 30% from 20%", kr("share", UP, "20", "30", "%", PCT)),
    (
        "Reduce time to first response from 4 hours to 1 hour",
        kr("time to first response", DOWN, "4", "1", "hours", NUM),
    ),
    (
        "Increase conversion from trial to paid from 10% to 15%",
        kr("conversion from trial to paid", UP, "10", "15", "%", PCT),
    ),
    (
        "Increase 30-day retention from 20% to 30%",
        kr("30-day retention", UP, "20", "30", "%", PCT),
    ),
    ("Grow Q3 revenue from $1M to $1.5M", kr("Q3 revenue", UP, "1000000", "1500000", "USD", CUR)),
    (
        "Increase NPS from 45 to 60 among enterprise customers",
        kr("NPS", UP, "45", "60", "", NUM),
    ),
    # Currencies, suffixes, separators.
    ("Raise MRR from €50k to €80k", kr("MRR", UP, "50000", "80000", "EUR", CUR)),
    ("Grow revenue from £500,000 to £750,000", kr("revenue", UP, "500000", "750000", "GBP", CUR)),
    ("Increase GMV from ₹5 crore to ₹8 crore", kr("GMV", UP, "50000000", "80000000", "INR", CUR)),
    ("Grow sales from ¥300M to ¥450M", kr("sales", UP, "300000000", "450000000", "JPY", CUR)),
    ("Grow bookings from USD 1.2M to USD 2M", kr("bookings", UP, "1200000", "2000000", "USD", CUR)),
    ("Grow ARR from 1.2M USD to 2M USD", kr("ARR", UP, "1200000", "2000000", "USD", CUR)),
    (
        "Grow ARR from $1.2 million to $2 million",
        kr("ARR", UP, "1200000", "2000000", "USD", CUR),
    ),
    ("Grow ARR from 1.2MM to 2MM", kr("ARR", UP, "1200000", "2000000", "", NUM)),
    ("Grow ARR from $1.2bn to $1.5B", kr("ARR", UP, "1200000000", "1500000000", "USD", CUR)),
    (
        "Grow revenue from 900 thousand to 1.2 million",
        kr("revenue", UP, "900000", "1200000", "", NUM),
    ),
    (
        "Increase revenue from 1,00,000 INR to 1,50,000 INR",
        kr("revenue", UP, "100000", "150000", "INR", CUR),
    ),
    (
        "Increase weekly active users from 10k to 15k",
        kr("weekly active users", UP, "10000", "15000", "", NUM),
    ),
    ("Decrease cost per lead from $45 to $30", kr("cost per lead", DOWN, "45", "30", "USD", CUR)),
    ("Grow revenue to 2bn USD by FY2027", kr("revenue", UP, None, "2000000000", "USD", CUR)),
    # Time units, converted to the smaller when two appear.
    ("Reduce MTTR from 4h to 90min", kr("MTTR", DOWN, "240", "90", "minutes", NUM)),
    ("Reduce build time from 10 mins to 6 mins", kr("build time", DOWN, "10", "6", "minutes", NUM)),
    ("Reduce page load from 3.2s to 1.5s", kr("page load", DOWN, "3.2", "1.5", "seconds", NUM)),
    ("Reduce lead time from 2 weeks to 5 days", kr("lead time", DOWN, "14", "5", "days", NUM)),
    ("Reduce lead time from 3 to 1.5 days", kr("lead time", DOWN, "3", "1.5", "days", NUM)),
    (
        "Reduce p95 latency from 800ms to 300 ms",
        kr("p95 latency", DOWN, "800", "300", "milliseconds", NUM),
    ),
    ("Improve build time from 90 secs to 2 min", kr("build time", UP, "90", "120", "seconds", NUM)),
    # A unit said once applies to both values.
    ("Reduce churn from 8 to 5%", kr("churn", DOWN, "8", "5", "%", PCT)),
    (
        "Increase test coverage from 60 percent to 80 per cent",
        kr("test coverage", UP, "60", "80", "%", PCT),
    ),
    (
        "Increase customers from 200 to 500 customers",
        kr("customers", UP, "200", "500", "customers", NUM),
    ),
    (
        "Minimize defects from 12 per release to 5",
        kr("defects", DOWN, "12", "5", "per release", NUM),
    ),
    # A target with no start: the verb gives the direction.
    ("Grow ARR to $2M", kr("ARR", UP, None, "2000000", "USD", CUR)),
    ("Reach 1,000 paying customers", kr("paying customers", UP, None, "1000", "customers", NUM)),
    ("Cut defects to 5 per release", kr("defects", DOWN, None, "5", "per release", NUM)),
    ("Expand pipeline to $5M", kr("pipeline", UP, None, "5000000", "USD", CUR)),
    ("Hit $2M ARR", kr("ARR", UP, None, "2000000", "USD", CUR)),
    ("Bring down churn to 5%", kr("churn", DOWN, None, "5", "%", PCT)),
    ("Grow from 200 to 500 customers", kr("customers", UP, "200", "500", "customers", NUM)),
    # Thresholds.
    ("Keep churn under 2%", kr("churn", MOST, None, "2", "%", PCT)),
    ("Uptime >= 99.9%", kr("Uptime", LEAST, None, "99.9", "%", PCT)),
    ("Keep uptime ≥ 99.95%", kr("uptime", LEAST, None, "99.95", "%", PCT)),
    ("Keep p95 latency <= 300ms", kr("p95 latency", MOST, None, "300", "milliseconds", NUM)),
    ("Keep error rate no more than 0.5%", kr("error rate", MOST, None, "0.5", "%", PCT)),
    ("Keep headcount no less than 50", kr("headcount", LEAST, None, "50", "", NUM)),
    ("Maintain CSAT of at least 4.5", kr("CSAT", LEAST, None, "4.5", "", NUM)),
    ("Maintain a minimum of 90% test coverage", kr("test coverage", LEAST, None, "90", "%", PCT)),
    ("Keep monthly spend below €10,000", kr("monthly spend", MOST, None, "10000", "EUR", CUR)),
    ("Hold NPS above 50", kr("NPS", LEAST, None, "50", "", NUM)),
    ("Ensure SLA compliance over 98%", kr("SLA compliance", LEAST, None, "98", "%", PCT)),
    ("Uptime must stay above 99.9%", kr("Uptime", LEAST, None, "99.9", "%", PCT)),
    ("Keep uptime at 99.9% or higher", kr("uptime", LEAST, None, "99.9", "%", PCT)),
    ("At least 99.9% uptime", kr("uptime", LEAST, None, "99.9", "%", PCT)),
    ("Cap spend at $50k", kr("spend", MOST, None, "50000", "USD", CUR)),
    ("Reduce churn to below 2%", kr("churn", MOST, None, "2", "%", PCT)),
    ("Increase NPS to at least 60", kr("NPS", LEAST, None, "60", "", NUM)),
    (
        "Reduce P1 incidents to no more than 2 per month",
        kr("P1 incidents", MOST, None, "2", "per month", NUM),
    ),
    # Ranges.
    ("Keep CSAT between 4 and 5", kr("CSAT", WITHIN, None, None, "", NUM, lower="4", upper="5")),
    (
        "Keep availability within 95–99%",
        kr("availability", WITHIN, None, None, "%", PCT, lower="95", upper="99"),
    ),
    (
        "Keep inventory in the range 4 to 6 weeks",
        kr("inventory", WITHIN, None, None, "weeks", NUM, lower="4", upper="6"),
    ),
    (
        "Keep cash runway between 18 and 12 months",
        kr("cash runway", WITHIN, None, None, "months", NUM, lower="12", upper="18"),
    ),
    (
        "Reduce latency to 100–200 ms",
        kr("latency", WITHIN, None, None, "milliseconds", NUM, lower="100", upper="200"),
    ),
    (
        "Keep utilization from 70% to 85%",
        kr("utilization", WITHIN, None, None, "%", PCT, lower="70", upper="85"),
    ),
    # Relative changes with a start, and multiples.
    ("Increase revenue by 20% from $1M", kr("revenue", UP, "1000000", "1200000", "USD", CUR)),
    ("Reduce costs by $200k from $1.5M", kr("costs", DOWN, "1500000", "1300000", "USD", CUR)),
    ("Increase NPS by 10 points from 45", kr("NPS", UP, "45", "55", "points", NUM)),
    ("Reduce churn by 2pp from 8%", kr("churn", DOWN, "8", "6", "%", PCT)),
    ("Increase revenue by 20% to $1.2M", kr("revenue", UP, "1000000", "1200000", "USD", CUR)),
    ("Double ARR from $1M", kr("ARR", UP, "1000000", "2000000", "USD", CUR)),
    ("Double ARR to $2M", kr("ARR", UP, "1000000", "2000000", "USD", CUR)),
    ("Halve churn from 8%", kr("churn", DOWN, "8", "4", "%", PCT)),
    ("Grow ARR 3x from $1M", kr("ARR", UP, "1000000", "3000000", "USD", CUR)),
    ("Reduce build time by 30 s from 2 min", kr("build time", DOWN, "120", "90", "seconds", NUM)),
    # Dates are never values.
    ("Increase NPS from 40 to 50 by end of Q3", kr("NPS", UP, "40", "50", "", NUM)),
    ("Grow ARR from $1.2M to $2M in 2026-Q3", kr("ARR", UP, "1200000", "2000000", "USD", CUR)),
    ("Increase NPS from 40 to 50 by Dec 31", kr("NPS", UP, "40", "50", "", NUM)),
    ("Increase NPS from 40 to 50 by 2027", kr("NPS", UP, "40", "50", "", NUM)),
    ("Increase NPS from 45 to 60 by 31 December 2026", kr("NPS", UP, "45", "60", "", NUM)),
    ("Increase NPS from 45 to 60 by 2026-12-31", kr("NPS", UP, "45", "60", "", NUM)),
    ("Reduce churn from 8% → 5% by Q4 2026", kr("churn", DOWN, "8", "5", "%", PCT)),
    ("Reduce churn from 8% to 5% within 90 days", kr("churn", DOWN, "8", "5", "%", PCT)),
    ("Reduce churn from 8% to 5% this quarter", kr("churn", DOWN, "8", "5", "%", PCT)),
    ("Grow ARR to $2M by mid-2026", kr("ARR", UP, None, "2000000", "USD", CUR)),
    (
        "Reach 10,000 monthly active users by Q4",
        kr("monthly active users", UP, None, "10000", "users", NUM),
    ),
    ("Reach 2026 customers by 2027", kr("customers", UP, None, "2026", "customers", NUM)),
    (
        "Increase trial-to-paid conversion from 10% to 15% by Q3'26",
        kr("trial-to-paid conversion", UP, "10", "15", "%", PCT),
    ),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_it_reads_the_key_result(text: str, expected: ParsedKeyResult) -> None:
    assert parse_key_result(text) == expected


REFUSED = [
    ("Improve customer satisfaction", "no number"),
    ("Be the best", "no number"),
    ("Launch the new website by Q3", "apart from dates"),
    ("Double ARR", "no number"),
    ("Increase churn from 8% to 5%", "should go up, but 8% to 5% goes down"),
    ("Reduce churn from 5% to 8%", "should go down, but 5% to 8% goes up"),
    ("Increase revenue by 20%", "no starting value"),
    ("Grow ARR 3x", "no starting value"),
    ("Reduce churn by 2% from 8%", "points or a share"),
    ("Improve NPS to 60", "up or down"),
    ("Keep uptime at 99.9%", "floor or a ceiling"),
    ("Reduce churn to at least 2%", "opposite ways"),
    ("Increase NPS 45-60", "reads as a range"),
    ("Increase NPS from 45 to 45", "does not change"),
    ("Increase from 45 to 60", "what is measured"),
    ("Increase NPS to 60 and CSAT to 4.5", "more numbers"),
    ("Grow revenue from $1M to €2M", "different units"),
    ("Increase customers from 200 customers to 500 users", "different units"),
    ("Reduce response time from 2 hours to 3 weeks of effort in 5 teams", "more numbers"),
    ("Grow users from 800 to 1.2M", "no k/M/bn"),
    ("Increase revenue 20%", "target or the change"),
    ("Double ARR from $1M to $3M", "not \\$3M"),
    ("Bring NPS from 45", "no target"),
    ("Increase NPS from 45 to 60 and reduce churn from 8% to 5%", "more numbers"),
]


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_it_refuses_what_it_cannot_read_for_sure(text: str, reason: str) -> None:
    with pytest.raises(KeyResultParseError, match=reason):
        parse_key_result(text)


def test_the_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="nothing to measure"):
        parse_key_result("Delight our customers")


METRICS = ["NPS", "customer churn rate", "weekly active users", "cost per lead", "ARR"]
FORMS = [
    "{verb} {metric} from {a} to {b}",
    "{verb} {metric} {a} → {b}",
    "{verb} {metric} {a} -> {b}",
]
UNITS = [("", ""), ("%", "%"), (" points", "points"), (" customers", "customers")]
numbers = st.decimals(
    min_value=-(10**9), max_value=10**9, places=3, allow_nan=False, allow_infinity=False
)


@given(
    a=numbers,
    b=numbers,
    metric=st.sampled_from(METRICS),
    form=st.sampled_from(FORMS),
    unit=st.sampled_from(UNITS),
    separators=st.booleans(),
)
def test_start_and_target_come_back_exactly(
    a: Decimal, b: Decimal, metric: str, form: str, unit: tuple[str, str], separators: bool
) -> None:
    assume(a != b)
    written, expected_unit = unit

    def shown(value: Decimal) -> str:
        return format(value, ",f" if separators else "f") + written

    verb = "Increase" if b > a else "Reduce"
    parsed = parse_key_result(form.format(verb=verb, metric=metric, a=shown(a), b=shown(b)))
    assert parsed.start == Fraction(a)
    assert parsed.target == Fraction(b)
    assert parsed.direction == (UP if b > a else DOWN)
    assert parsed.metric == metric
    assert parsed.unit == expected_unit
