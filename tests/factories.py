"""Factories that build rows through the services, so paths, keys and rollups are real."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory

from headway.goals import services as goals
from headway.goals.models import KeyResult, Objective, ResultArea
from headway.indicators import services as indicators
from headway.indicators.models import Indicator
from headway.org import services as org
from headway.org.models import Organization, Period, Person, Unit


def created_by(service: Any) -> Any:
    """A factory `_create` that calls a service function instead of `Model.objects.create`."""

    def _create(cls: Any, model_class: type, *args: Any, **kwargs: Any) -> Any:
        return service(**kwargs)

    return classmethod(_create)


class OrganizationFactory(factory.Factory):
    class Meta:
        model = Organization

    _create = created_by(org.organization_create)
    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")


class UnitFactory(factory.Factory):
    class Meta:
        model = Unit

    _create = created_by(org.unit_create)
    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Unit {n}")


class PersonFactory(factory.Factory):
    class Meta:
        model = Person

    _create = created_by(org.person_create)
    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.test")


class PeriodFactory(factory.Factory):
    class Meta:
        model = Period

    _create = created_by(org.period_create)
    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"2026-Q{n % 4 + 1}-{n}")
    start = dt.date(2026, 10, 1)
    end = dt.date(2026, 12, 31)


class ResultAreaFactory(factory.Factory):
    class Meta:
        model = ResultArea

    _create = created_by(goals.result_area_create)
    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Result area {n}")
    owner = None


class ObjectiveFactory(factory.Factory):
    class Meta:
        model = Objective

    _create = created_by(goals.objective_create)
    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Objective {n}")
    owner = None
    period = None


class KeyResultFactory(factory.Factory):
    class Meta:
        model = KeyResult

    _create = created_by(goals.key_result_create)
    title = factory.Sequence(lambda n: f"Increase metric {n} from 0 to 100")
    start = Decimal(0)
    target = Decimal(100)


class IndicatorFactory(factory.Factory):
    class Meta:
        model = Indicator

    _create = created_by(indicators.indicator_create)
    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Indicator {n}")
    owner = None
