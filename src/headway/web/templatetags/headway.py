"""How numbers and statuses read on a page: percentages, status words and their colours."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from django import template

from headway.core.model import to_decimal
from headway.goals.models import Status

register = template.Library()

BADGE = {
    Status.ON_TRACK: "text-bg-success",
    Status.GREEN: "text-bg-success",
    Status.AT_RISK: "text-bg-warning",
    Status.YELLOW: "text-bg-warning",
    Status.OFF_TRACK: "text-bg-danger",
    Status.RED: "text-bg-danger",
    Status.NOT_STARTED: "text-bg-secondary",
    Status.NO_DATA: "text-bg-light border",
}
BAR = {
    Status.ON_TRACK: "bg-success",
    Status.GREEN: "bg-success",
    Status.AT_RISK: "bg-warning",
    Status.YELLOW: "bg-warning",
    Status.OFF_TRACK: "bg-danger",
    Status.RED: "bg-danger",
}


def _decimal(value: Any) -> Decimal:
    """Stored Decimals, the core's exact Fractions and plain numbers alike."""
    if isinstance(value, Fraction):
        return to_decimal(value)  # type: ignore[return-value]
    return Decimal(value)


@register.filter
def percent(value: Any) -> str:
    """0.4837 → '48%'; nothing → '–'."""
    if value is None or value == "":
        return "–"
    return f"{_decimal(value) * 100:.0f}%"


@register.filter
def percent_number(value: Any) -> str:
    """0.4837 → '48.4' for widths and ARIA values (a dot, whatever the locale)."""
    if value is None or value == "":
        return "0"
    return f"{max(Decimal(0), min(Decimal(1), _decimal(value))) * 100:.1f}"


@register.filter
def status_label(value: str) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return value.replace("_", " ").capitalize()


@register.filter
def status_badge(value: str) -> str:
    return BADGE.get(value, "text-bg-light border")  # type: ignore[call-overload]


@register.filter
def status_bar(value: str) -> str:
    return BAR.get(value, "bg-secondary")  # type: ignore[call-overload]


@register.filter
def number(value: Any) -> str:
    """A value as people read it: no trailing zeros (4.500000 → '4.5'), and at most three decimals
    (a mean like 23.142857… → '23.143'; below 1, three significant digits: 0.000123)."""
    if value is None or value == "":
        return "–"
    d = _decimal(value)
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -3:
        d = d.quantize(Decimal("0.001")) if abs(d) >= 1 else Decimal(f"{d:.3g}")
    return f"{d.normalize():f}"
