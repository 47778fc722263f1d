"""The demo company in a real browser: the main pages render (charts included), and their
pictures are taken for the docs (`HEADWAY_SCREENSHOTS=docs/screenshots pytest -m browser`)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from tests.browser.conftest import sign_in

from headway.goals.models import Objective, ResultArea
from headway.indicators.models import Indicator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_TODAY = dt.date(2026, 11, 18)
LEADER = "ruth.santos@northwind.test"


def shoot(page: Any, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("HEADWAY_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def charts_drawn(page: Any) -> int:
    """How many canvases Chart.js has drawn a chart on."""
    page.wait_for_function("() => window.Chart !== undefined")
    return int(
        page.evaluate(
            "() => [...document.querySelectorAll('canvas')].filter(c => Chart.getChart(c)).length"
        )
    )


def test_the_demo_pages_render_with_their_charts(
    page: Any, live_server: Any, tmp_path: Path
) -> None:
    call_command("demo", today=DEMO_TODAY, stdout=open(os.devnull, "w"))  # noqa: SIM115
    sign_in(page, live_server, LEADER, "headway-demo")
    assert "My week" in page.title()
    shoot(page, "home", tmp_path)

    page.goto(f"{live_server.url}/check-in/")
    assert page.locator("table.hw-checkin-table tbody tr").count() >= 1
    shoot(page, "check-in", tmp_path)

    objective = (
        Objective.objects.filter(owner__email=LEADER, period__name="2026-Q4", visibility="public")
        .order_by("title")
        .first()
    )
    assert objective is not None
    page.goto(f"{live_server.url}/objectives/{objective.pk}/")
    assert objective.title in page.content()
    assert charts_drawn(page) >= 1
    shoot(page, "objective", tmp_path)

    indicator = Indicator.objects.filter(measurements__isnull=False).order_by("name").first()
    assert indicator is not None
    page.goto(f"{live_server.url}/kpis/{indicator.pk}/")
    assert indicator.name in page.content()
    assert charts_drawn(page) >= 1
    shoot(page, "kpi", tmp_path)

    page.goto(f"{live_server.url}/scorecard/")
    assert "Scorecard" in page.title()
    shoot(page, "scorecard", tmp_path)

    page.goto(f"{live_server.url}/health/")
    assert "HW0" in page.content()
    shoot(page, "health", tmp_path)

    area = ResultArea.objects.filter(owner__email=LEADER).order_by("name").first()
    assert area is not None
    page.goto(f"{live_server.url}/kras/{area.pk}/")
    assert area.name in page.content()
    shoot(page, "kra", tmp_path)

    page.goto(f"{live_server.url}/kpis/")
    assert page.locator("table tbody tr").count() >= 5
    shoot(page, "kpis", tmp_path)

    page.goto(f"{live_server.url}/initiatives/")
    shoot(page, "initiatives", tmp_path)


def test_the_alignment_map_opens_two_levels_with_the_keyboard(
    page: Any, live_server: Any, tmp_path: Path
) -> None:
    call_command("demo", today=DEMO_TODAY, stdout=open(os.devnull, "w"))  # noqa: SIM115
    sign_in(page, live_server, LEADER, "headway-demo")
    page.goto(f"{live_server.url}/map/")
    roots = page.locator("ul.hw-tree > li").count()
    assert roots >= 1

    # Open the first objective that has something below it, then one of its children.
    first = page.locator("ul.hw-tree > li button.hw-toggle[aria-label^='Show the objectives']")
    first.first.focus()
    page.keyboard.press("Enter")
    level_two = page.locator("ul.hw-tree > li > ul.hw-children > li")
    level_two.first.wait_for()
    second = page.locator("ul.hw-children button.hw-toggle").first
    second.focus()
    page.keyboard.press("Enter")
    page.locator("ul.hw-children ul.hw-children > li").first.wait_for()

    assert page.locator("li[aria-expanded='true']").count() >= 2
    shoot(page, "alignment-map", tmp_path)
