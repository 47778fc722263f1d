"""Check-in cadences as plain values: which days are check-in days. No ORM here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# A Monday: with no start date, "every 2 weeks" counts its weeks from here.
EPOCH = dt.date(2024, 1, 1)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Cadence:
    """Check in on `weekday` (0 = Monday) every `every_weeks` weeks; remind at `hour` o'clock.
    `source` says where it comes from: "default", "organization" or a unit's name."""

    weekday: int = 0
    every_weeks: int = 1
    hour: int = 9
    starts_on: dt.date | None = None
    source: str = "default"

    @property
    def days(self) -> int:
        """How old a check-in may be before its key result is due again."""
        return 7 * self.every_weeks

    def first_day(self) -> dt.date | None:
        """The first check-in day: the cadence's weekday on or after its start date."""
        if self.starts_on is None:
            return None
        return self.starts_on + dt.timedelta(days=(self.weekday - self.starts_on.weekday()) % 7)

    def _in_phase(self, day: dt.date) -> bool:
        anchor = week_start(self.first_day() or EPOCH)
        return ((week_start(day) - anchor).days // 7) % self.every_weeks == 0

    def is_check_in_day(self, day: dt.date) -> bool:
        if day.weekday() != self.weekday or (self.starts_on and day < self.starts_on):
            return False
        return self._in_phase(day)

    def latest_day(self, on_or_before: dt.date) -> dt.date | None:
        """The latest check-in day on or before the given day (None before the first one)."""
        day = on_or_before - dt.timedelta(days=(on_or_before.weekday() - self.weekday) % 7)
        for _ in range(self.every_weeks):
            if self._in_phase(day):
                break
            day -= dt.timedelta(days=7)
        if self.starts_on and day < self.starts_on:
            return None
        return day

    def next_day(self, on_or_after: dt.date) -> dt.date:
        """The first check-in day on or after the given day."""
        if self.starts_on and on_or_after < self.starts_on:
            on_or_after = self.starts_on
        day = on_or_after + dt.timedelta(days=(self.weekday - on_or_after.weekday()) % 7)
        while not self._in_phase(day):
            day += dt.timedelta(days=7)
        return day

    def describe(self) -> str:
        """'Every Monday at 09:00' or 'Every 2 weeks on Friday at 14:00'."""
        day = WEEKDAYS[self.weekday]
        when = f"at {self.hour:02d}:00"
        if self.every_weeks == 1:
            return f"Every {day} {when}"
        return f"Every {self.every_weeks} weeks on {day} {when}"


DEFAULT = Cadence()
