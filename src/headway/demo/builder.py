"""The demo company, Northwind Robotics: a realistic organization on an empty database.

Structure (units, people, periods, KRAs, KPIs, objectives, key results, alignments) goes through
the services, so keys, paths and audit rows are real. The history (a year of KPI measurements,
weekly check-ins) is bulk-inserted for speed, then `recompute_organization` derives every value
once, exactly as the services would. Everything is seeded: the same `today` gives the same data.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from headway.audit.models import AuditEvent
from headway.checkins.models import CheckIn
from headway.core.model import Status
from headway.core.pace import pace_status
from headway.goals import status_log
from headway.goals.models import (
    Alignment,
    Initiative,
    KeyResult,
    Milestone,
    Objective,
    ResultArea,
)
from headway.goals.rollup import recompute_organization
from headway.goals.services import (
    alignment_create,
    initiative_create,
    key_result_create,
    milestone_save,
    objective_create,
    period_close,
    result_area_create,
    result_area_update,
)
from headway.health.services import health_findings_refresh
from headway.indicators.models import Indicator, Measurement, Target
from headway.indicators.services import indicator_create, target_set
from headway.org.models import Organization, Period, Person, Unit
from headway.org.services import (
    organization_create,
    period_create,
    person_create,
    unit_create,
    unit_update,
)

SLUG = "northwind"
NAME = "Northwind Robotics"
DOMAIN = "northwind.test"
PASSWORD = "headway-demo"
SEED = 20260101

Report = Callable[[str], None]


# -- the org chart ----------------------------------------------------------------------------
@dataclass(frozen=True)
class UnitSpec:
    """One box of the org chart: its head's job title and how many people of each title it has."""

    name: str
    kind: str
    parent: str | None
    head_title: str
    members: tuple[tuple[str, int], ...] = ()


UNITS: tuple[UnitSpec, ...] = (
    UnitSpec(NAME, "other", None, "Chief Executive Officer",
             (("Chief of Staff", 1), ("Executive Assistant", 1), ("Board Observer", 1))),
    UnitSpec("Engineering", "division", NAME, "VP Engineering"),
    UnitSpec("Platform", "department", "Engineering", "Director of Platform Engineering",
             (("Technical Program Manager", 1),)),
    UnitSpec("Site Reliability", "team", "Platform", "SRE Lead",
             (("Site Reliability Engineer", 5),)),
    UnitSpec("Developer Experience", "team", "Platform", "Developer Experience Lead",
             (("Software Engineer", 4),)),
    UnitSpec("Product Engineering", "department", "Engineering",
             "Director of Product Engineering", (("Product Manager", 3),)),
    UnitSpec("Fleet Software", "team", "Product Engineering", "Engineering Manager, Fleet",
             (("Senior Software Engineer", 2), ("Software Engineer", 6))),
    UnitSpec("Mobile App", "team", "Product Engineering", "Engineering Manager, Mobile",
             (("Mobile Engineer", 4), ("Product Designer", 1))),
    UnitSpec("Robotics Hardware", "department", "Engineering", "Director of Hardware Engineering",
             (("Hardware Test Engineer", 2),)),
    UnitSpec("Motion Control", "team", "Robotics Hardware", "Motion Control Lead",
             (("Robotics Engineer", 5),)),
    UnitSpec("Sensors & Perception", "team", "Robotics Hardware", "Perception Lead",
             (("Perception Engineer", 4), ("Machine Learning Engineer", 2))),
    UnitSpec("Sales", "division", NAME, "Chief Revenue Officer",
             (("Sales Operations Analyst", 2),)),
    UnitSpec("Sales North America", "department", "Sales", "VP Sales, North America"),
    UnitSpec("Enterprise NA", "team", "Sales North America", "Enterprise Sales Manager",
             (("Account Executive", 6), ("Sales Engineer", 2))),
    UnitSpec("Mid-Market NA", "team", "Sales North America", "Mid-Market Sales Manager",
             (("Account Executive", 5), ("Sales Development Representative", 3))),
    UnitSpec("Sales EMEA", "department", "Sales", "VP Sales, EMEA",
             (("Account Executive", 4), ("Sales Development Representative", 2))),
    UnitSpec("Marketing", "department", "Sales", "VP Marketing"),
    UnitSpec("Demand Generation", "team", "Marketing", "Demand Generation Manager",
             (("Marketing Specialist", 3),)),
    UnitSpec("Product Marketing", "team", "Marketing", "Head of Product Marketing",
             (("Product Marketing Manager", 2),)),
    UnitSpec("Customer Success", "division", NAME, "VP Customer Success",
             (("Customer Success Operations Analyst", 1),)),
    UnitSpec("Support", "department", "Customer Success", "Director of Support"),
    UnitSpec("Tier 1 Support", "team", "Support", "Support Team Lead",
             (("Support Specialist", 7),)),
    UnitSpec("Tier 2 Support", "team", "Support", "Technical Support Lead",
             (("Support Engineer", 5),)),
    UnitSpec("Account Management", "department", "Customer Success",
             "Director of Account Management", (("Customer Success Manager", 6),)),
    UnitSpec("Onboarding", "team", "Account Management", "Implementation Lead",
             (("Implementation Specialist", 4),)),
    UnitSpec("Operations", "division", NAME, "Chief Operating Officer"),
    UnitSpec("Manufacturing", "department", "Operations", "Director of Manufacturing"),
    UnitSpec("Assembly", "team", "Manufacturing", "Assembly Supervisor",
             (("Assembly Technician", 8),)),
    UnitSpec("Quality Assurance", "team", "Manufacturing", "Quality Manager",
             (("Quality Engineer", 3),)),
    UnitSpec("Supply Chain", "department", "Operations", "Supply Chain Manager",
             (("Buyer", 3), ("Logistics Coordinator", 2))),
    UnitSpec("Finance", "department", "Operations", "Finance Director",
             (("Financial Analyst", 2), ("Accountant", 2), ("Business Systems Administrator", 1),
              ("External Auditor", 1))),
    UnitSpec("People", "division", NAME, "Chief People Officer"),
    UnitSpec("Talent Acquisition", "department", "People", "Head of Talent Acquisition",
             (("Recruiter", 3), ("Recruiting Coordinator", 1))),
    UnitSpec("People Operations", "department", "People", "Head of People Operations",
             (("HR Business Partner", 2), ("People Operations Specialist", 1),
              ("Learning & Development Partner", 1))),
)  # fmt: skip

TITLE_ROLES = {
    "Business Systems Administrator": Person.Role.ADMIN,
    "HR Business Partner": Person.Role.HR,
    "Board Observer": Person.Role.VIEWER,
    "External Auditor": Person.Role.VIEWER,
}

FIRST_NAMES = (
    "Ava", "Liam", "Maya", "Noah", "Priya", "Ethan", "Sofia", "Lucas", "Amara", "Mateo",
    "Hannah", "Omar", "Chloe", "Kenji", "Isabel", "Daniel", "Aisha", "Leo", "Grace", "Ravi",
    "Elena", "Samuel", "Nadia", "Jonas", "Wei", "Fatima", "Oliver", "Ines", "Marcus", "Yuki",
    "Zara", "Gabriel", "Leah", "Tomas", "Mei", "Andre", "Freya", "Hassan", "Clara", "Diego",
    "Anika", "Felix", "Rosa", "Victor", "Lena", "Kwame", "Julia", "Arjun", "Nora", "Elijah",
    "Sara", "Milan", "Ruth", "Theo", "Layla", "Ivan", "Alice", "Kofi", "Emma", "Pablo",
    "Ingrid", "Rahul", "Chiara", "Malik", "Astrid", "Tariq", "Beatriz", "Sven", "Lucia", "Jamal",
)  # fmt: skip
LAST_NAMES = (
    "Okafor", "Lindqvist", "Nakamura", "Fernandez", "Patel", "Johansson", "Kowalski", "Mensah",
    "Rossi", "Dubois", "Schmidt", "Haddad", "Kim", "Silva", "Novak", "Andersen", "Mwangi",
    "Costa", "Reyes", "Murphy", "Tanaka", "Bauer", "Ibrahim", "Larsen", "Moreau", "Nguyen",
    "Petrov", "Quinn", "Sato", "Varga", "Walsh", "Yilmaz", "Zhang", "Alvarez", "Becker",
    "Chowdhury", "Doyle", "Eriksen", "Fischer", "Garcia", "Hansen", "Ito", "Jensen", "Khan",
    "Lopez", "Martin", "Nielsen", "Ortiz", "Park", "Richter", "Santos", "Torres", "Ueda",
    "Vogel", "Weber", "Adeyemi", "Brennan", "Castillo", "Delgado", "Engel", "Foster", "Gupta",
    "Hughes", "Iyer", "Jovanovic", "Keller", "Lambert", "Mahlaba", "Nowak", "Oyelaran",
)  # fmt: skip


# -- KRAs -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KRASpec:
    """A KRA of the organization, a unit or (for `PERSON_KRAS`) every person of one job."""

    key: str
    scope: str  # "org" or a unit's name; ignored for person KRAs
    name: str
    weight: int | None
    parent: str = ""
    owner: str = ""  # the unit whose head owns it; "" is the scope's head (the CEO for "org")
    description: str = ""


KRAS: tuple[KRASpec, ...] = (
    KRASpec("revenue", "org", "Revenue growth", 30, owner="Sales",
            description="Recurring revenue from new customers and the ones we have."),
    KRASpec("customers", "org", "Customer success", 25, owner="Customer Success",
            description="Customers who go live fast, stay, grow and tell others."),
    KRASpec("product", "org", "Product leadership", 20, owner="Engineering",
            description="The most reliable, fastest-improving robot fleet in the market."),
    KRASpec("operations", "org", "Operational excellence", 15, owner="Operations",
            description="Robots built and shipped on time, at a healthy margin."),
    KRASpec("people", "org", "People and culture", 10, owner="People",
            description="A team people want to join and stay in."),
    KRASpec("eng-reliability", "Engineering", "Platform reliability", 40, "product"),
    KRASpec("eng-delivery", "Engineering", "Delivery speed", 35, "product"),
    KRASpec("eng-talent", "Engineering", "Engineering talent", 25, "people"),
    KRASpec("sales-new", "Sales", "New business", 50, "revenue"),
    KRASpec("sales-expansion", "Sales", "Expansion revenue", 30, "revenue"),
    KRASpec("sales-forecast", "Sales", "Forecast accuracy", 20, "operations"),
    KRASpec("cs-retention", "Customer Success", "Customer retention", 40, "customers"),
    KRASpec("cs-support", "Customer Success", "Support quality", 35, "customers"),
    KRASpec("cs-onboarding", "Customer Success", "Customer onboarding", 25, "customers"),
    KRASpec("ops-margin", "Operations", "Gross margin", 35, "operations"),
    KRASpec("ops-delivery", "Operations", "On-time delivery", 35, "operations"),
    KRASpec("ops-cost", "Operations", "Cost discipline", 20, "operations"),
    # HW004: nothing measures it yet (no KPI, no objective).
    KRASpec("ops-sustainability", "Operations", "Sustainability", 10, "operations",
            description="Energy and packaging per robot shipped."),
    KRASpec("people-hiring", "People", "Hiring velocity", 40, "people"),
    KRASpec("people-engagement", "People", "Employee engagement", 35, "people"),
    KRASpec("people-growth", "People", "Learning and growth", 25, "people"),
    KRASpec("sre-availability", "Site Reliability", "Service availability", 60, "eng-reliability"),
    KRASpec("sre-incidents", "Site Reliability", "Incident response", 40, "eng-reliability"),
    KRASpec("t1-response", "Tier 1 Support", "Response times", 50, "cs-support"),
    KRASpec("t1-resolution", "Tier 1 Support", "First-contact resolution", 50, "cs-support"),
    KRASpec("ent-bookings", "Enterprise NA", "Enterprise bookings", 70, "sales-new"),
    KRASpec("ent-pipeline", "Enterprise NA", "Pipeline health", 30, "sales-new"),
    # HW010: the Mobile App team's weights sum to 80.
    KRASpec("mobile-quality", "Mobile App", "App quality", 40, "eng-delivery"),
    KRASpec("mobile-adoption", "Mobile App", "App adoption", 40, "eng-delivery"),
    KRASpec("asm-throughput", "Assembly", "Assembly throughput", 50, "ops-delivery"),
    KRASpec("asm-quality", "Assembly", "Build quality", 50, "ops-margin"),
)  # fmt: skip

# Every enterprise account executive carries these two.
AE_KRAS: tuple[KRASpec, ...] = (
    KRASpec("new", "", "New customer acquisition", 60, "ent-bookings"),
    KRASpec("expansion", "", "Account expansion", 40, "sales-expansion"),
)
# HW001: one customer success manager carries six KRAs (and six objectives: HW013).
OVERLOADED_KRAS: tuple[KRASpec, ...] = (
    KRASpec("renewals", "", "Renewals", 20, "cs-retention"),
    KRASpec("upsell", "", "Upsell", 20, "sales-expansion"),
    KRASpec("health", "", "Customer health", 15, "cs-retention"),
    KRASpec("feedback", "", "Product feedback", 15, "cs-support"),
    KRASpec("references", "", "Reference customers", 15, "cs-retention"),
    KRASpec("escalations", "", "Escalations", 15, "cs-support"),
)
# Days since the last review; the rest were reviewed within the last 80 days.
REVIEWED_DAYS_AGO = {
    "eng-talent": 160,  # HW008: past its 90-day cadence
    "customers": 20,  # redefined 20 days ago, see `_redefine_customer_success`
    "cs-retention": 10,
    "cs-onboarding": 8,
    "cs-support": 45,  # HW015: reviewed before its parent was redefined
}


# -- KPIs -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KPISpec:
    """A KPI and the shape of its last year: a linear trend from `year_ago` to `now` plus noise."""

    key: str
    name: str
    scope: str  # "org" or a unit's name
    kra: str
    unit: str
    direction: str
    frequency: str
    aggregation: str
    year_ago: float
    now: float
    noise: float
    decimals: int = 0
    stretch: float = 0.1  # ambition of each quarter's target beyond the trend
    leading: bool = False
    owner: str = ""  # the unit whose head owns it; "" the scope's head; "-" nobody (HW003)
    stale_weeks: int = 0  # measurements stop this many weeks ago (HW006)
    current_target: bool = True  # False: no target for the running periods (HW012)
    description: str = ""


KPIS: tuple[KPISpec, ...] = (
    KPISpec("arr", "Annual recurring revenue (ARR)", "org", "revenue", "$M", "up", "month",
            "last", 9.6, 13.1, 0.08, 1, 0.08, owner="Finance",
            description="Contracted recurring revenue at month end."),
    KPISpec("nrr", "Net revenue retention", "Customer Success", "cs-retention", "%", "up",
            "month", "last", 103, 108, 0.6, 1, 0.1),
    KPISpec("nps", "Net Promoter Score (NPS)", "Customer Success", "cs-support", "points", "up",
            "month", "last", 38, 47, 1.2, 0, 0.15, leading=True,
            description="Monthly relationship survey of operators and site managers."),
    KPISpec("churn", "Churn rate", "Customer Success", "cs-retention", "%", "down", "month",
            "last", 3.6, 2.7, 0.1, 1, 0.1),
    KPISpec("frt", "Support first response time", "Support", "t1-response", "minutes", "down",
            "day", "mean", 95, 44, 7, 0, -0.05),
    KPISpec("uptime", "Fleet platform uptime", "Site Reliability", "sre-availability", "%",
            "range", "day", "mean", 99.9, 99.95, 0.03, 2),
    KPISpec("latency", "p95 API latency", "Site Reliability", "sre-availability", "ms", "down",
            "day", "mean", 520, 330, 22, 0, 0.05),
    KPISpec("deploys", "Deploy frequency", "Engineering", "eng-delivery", "deploys/week", "up",
            "week", "mean", 13, 24, 2.0, 0, 0.05, leading=True),
    KPISpec("pipeline", "Pipeline coverage", "Sales", "sales-new", "×", "up", "week", "last",
            2.2, 3.0, 0.12, 1, 0.05, leading=True),
    KPISpec("logos", "New customer logos", "Sales", "sales-new", "customers", "up", "week",
            "sum", 2.0, 3.0, 0.9, 0, 0.05),
    KPISpec("gross-margin", "Gross margin", "Operations", "ops-margin", "%", "up", "month",
            "last", 53.5, 58.5, 0.5, 1, 0.1),
    KPISpec("on-time", "On-time delivery", "Supply Chain", "ops-delivery", "%", "up", "week",
            "last", 90.5, 95.5, 0.8, 1, -0.05),
    KPISpec("enps", "Employee NPS (eNPS)", "People", "people-engagement", "points", "up",
            "month", "last", 17, 29, 1.5, 0, 0.1, leading=True),
    KPISpec("tth", "Time to hire", "Talent Acquisition", "people-hiring", "days", "down",
            "month", "mean", 54, 41, 2, 0, 0.05),
    KPISpec("yield", "Assembly first-pass yield", "Assembly", "asm-quality", "%", "up", "week",
            "last", 92.8, 96.4, 0.4, 1, 0.05),
    KPISpec("output", "Robots shipped", "Manufacturing", "asm-throughput", "robots", "up",
            "week", "sum", 36, 47, 3, 0, 0.03),
    # The deliberate gaps: nobody owns it (HW003) ...
    KPISpec("partner-revenue", "Partner-sourced revenue", "Sales", "sales-expansion", "$k",
            "up", "month", "sum", 40, 120, 9, 0, 0.1, owner="-"),
    # ... no target for the running quarter or year (HW012) ...
    KPISpec("training", "Training hours per employee", "People", "people-growth", "hours", "up",
            "quarter", "sum", 6, 9, 0.4, 1, 0.1, current_target=False),
    # ... and nobody has measured it for five weeks (HW006).
    KPISpec("pick", "Warehouse pick accuracy", "Supply Chain", "ops-delivery", "%", "up", "week",
            "last", 98.9, 99.4, 0.15, 1, 0.05, stale_weeks=5),
)  # fmt: skip


# -- objectives and key results ---------------------------------------------------------------
@dataclass(frozen=True)
class KRSpec:
    """A key result as written this quarter; "{s}" and "{t}" in the title are its numbers."""

    title: str
    start: float | None = None  # the lower bound for `within`
    target: float | None = None  # the upper bound for `within`
    unit: str = ""
    decimals: int = 0
    kind: str = ""  # "" means: percent for "%", currency for "$…", else number
    direction: str = ""  # "" means: from start and target
    kpi: str = ""  # follows this KPI: its numbers come from the KPI
    children: bool = False  # progress from the objectives aligned to it
    per_quarter: bool = False  # a count that starts again from 0 every quarter
    weight: int = 1
    key: str = ""  # what other objectives align to ("k:KEY")
    milestones: tuple[str, ...] = ()
    confidence: bool = True  # False: no confidence at the start (HW009)
    only: str = ""  # "current": a deliberate flaw, in the current quarter only


@dataclass(frozen=True)
class ObjectiveSpec:
    """An objective as written this quarter, the KRA it is filed under and what it aligns to."""

    key: str
    title: str
    krs: tuple[KRSpec, ...]
    kra: str = ""  # a KRA key; "person:KEY" for one of the owner's own KRAs
    up: str = ""  # "o:KEY" a parent objective, "k:KEY" a parent key result
    owner: str = ""  # the unit whose head owns it; "" the scope's owner; "-" nobody (HW003)
    visibility: str = "public"
    rollup: str = "key_results"
    only: str = ""  # "current": only in the current quarter
    description: str = ""


K = KRSpec
O = ObjectiveSpec  # noqa: E741 — a catalogue reads better with short constructors

GATES = ("Design freeze", "Engineering validation", "Design validation", "Production validation")

ORG_OBJECTIVES: tuple[ObjectiveSpec, ...] = (
    O("org-revenue", "Win the mid-market warehouse automation market", (
        K("Grow ARR from ${s}M to ${t}M", kpi="arr", weight=2),
        K("Land {t} new customer logos", 0, 36, "customers", children=True, per_quarter=True,
          key="org-logos"),
        K("Raise net revenue retention from {s}% to {t}%", kpi="nrr"),
    ), kra="revenue", rollup="both"),
    O("org-customers", "Make every customer a reference customer", (
        K("Increase NPS from {s} to {t}", kpi="nps"),
        K("Reduce churn from {s}% to {t}%", kpi="churn"),
        K("Cut median time-to-value from {s} to {t} days", 45, 30, "days", children=True,
          key="org-ttv"),
    ), kra="customers", owner="Customer Success"),
    O("org-product", "Ship the most reliable robot fleet in the industry", (
        K("Raise fleet availability from {s}% to {t}%", 99.6, 99.9, "%", 2),
        K("Cut p95 API latency from {s} ms to {t} ms", 480, 250, "ms"),
        K("X3 picker arm general availability: 4 release gates passed", kind="milestones",
          milestones=GATES),
    ), kra="product", owner="Engineering"),
    O("org-operations", "Scale production profitably", (
        K("Lift gross margin from {s}% to {t}%", kpi="gross-margin", weight=2),
        K("Raise on-time delivery from {s}% to {t}%", kpi="on-time"),
        K("Cut cost per robot from ${s} to ${t}", 18400, 16500, "$"),
    ), kra="operations", owner="Operations"),
    O("org-people", "Build a team people want to join and stay in", (
        K("Raise eNPS from {s} to {t}", kpi="enps"),
        K("Reduce regretted attrition from {s}% to {t}%", 9, 6, "%", 1),
        K("Cut time to hire from {s} to {t} days", 52, 38, "days", children=True, key="org-tth"),
    ), kra="people"),
)  # fmt: skip

UNIT_OBJECTIVES: dict[str, tuple[ObjectiveSpec, ...]] = {
    "Engineering": (
        O("eng-reliability", "Make the fleet platform boringly reliable", (
            K("Reduce Sev-1 incidents from {s} to {t} per quarter", 6, 2, "incidents"),
            K("Cut mean time to recovery from {s} to {t} minutes", 95, 30, "minutes"),
            K("Raise API availability from {s}% to {t}%", 99.82, 99.95, "%", 2),
        ), kra="eng-reliability", up="o:org-product"),
        O("eng-delivery", "Ship faster without breaking things", (
            K("Increase deploy frequency from {s} to {t} per week", kpi="deploys"),
            K("Reduce change failure rate from {s}% to {t}%", 18, 10, "%"),
            K("Cut lead time for changes from {s} to {t} days", 6, 2, "days"),
        ), kra="eng-delivery", up="o:org-product"),
        O("eng-talent", "Grow an engineering team people want to join", (
            K("Grow engineering headcount from {s} to {t}", 49, 56, "engineers"),
            K("Reduce time to first commit for new hires from {s} to {t} days", 12, 4, "days"),
        ), kra="eng-talent", up="o:org-people"),
    ),
    "Platform": (
        O("platform-selfserve", "Give every team a self-serve platform", (
            K("Raise golden-path adoption from {s}% to {t}%", 35, 80, "%", key="golden-path"),
            K("Reduce platform tickets from {s} to {t} per month", 140, 60, "tickets"),
        ), kra="eng-reliability", up="o:eng-reliability"),
    ),
    "Site Reliability": (
        O("sre-outages", "Make outages rare and short", (
            K("Raise API availability from {s}% to {t}%", 99.82, 99.95, "%", 2),
            K("Reduce pages per on-call week from {s} to {t}", 24, 8, "pages"),
            K("Keep error budget burn at or below {t}%", None, 100, "%", direction="at_most"),
        ), kra="sre-availability", up="o:eng-reliability"),
        O("sre-learn", "Learn from every incident", (
            K("Reduce repeat incidents from {s} to {t} per quarter", 7, 2, "incidents"),
            K("Raise postmortems closed within 5 days from {s}% to {t}%", 50, 95, "%"),
        ), kra="sre-incidents", up="o:eng-reliability", visibility="unit"),
    ),
    "Developer Experience": (
        O("devex-ci", "Make CI fast enough to forget about", (
            K("Cut CI pipeline time from {s} to {t} minutes", 28, 10, "minutes"),
            K("Reduce flaky tests from {s} to {t}", 140, 20, "tests"),
        ), up="o:platform-selfserve"),
        # HW002: a single key result.
        O("devex-docs", "Document the platform", (
            K("Raise API reference coverage from {s}% to {t}%", 40, 90, "%"),
        ), up="o:platform-selfserve", only="current"),
    ),
    "Product Engineering": (
        O("prodeng-features", "Ship the features customers ask for most", (
            K("Close {t} of the top 30 customer feature requests", 0, 12, "requests",
              per_quarter=True),
            K("Raise release predictability from {s}% to {t}%", 60, 85, "%"),
        ), kra="eng-delivery", up="o:eng-delivery"),
    ),
    "Fleet Software": (
        O("fleet-routing", "Routing customers can trust", (
            K("Reduce routing errors from {s}% to {t}%", 1.8, 0.5, "%", 1),
            K("Raise fleet utilisation from {s}% to {t}%", 71, 82, "%"),
        ), up="o:prodeng-features"),
    ),
    "Mobile App": (
        O("mobile-rating", "A five-star operator app", (
            K("Raise app store rating from {s} to {t}", 3.9, 4.5, "stars", 1),
            K("Reduce crash rate from {s}% to {t}%", 1.2, 0.3, "%", 1),
        ), kra="mobile-quality", up="o:prodeng-features"),
        O("mobile-adoption", "Get every operator on the app", (
            K("Increase weekly active operators from {s} to {t}", 1200, 2000, "operators"),
            K("Raise tasks completed in the app from {s}% to {t}%", 35, 60, "%"),
        ), kra="mobile-adoption", up="o:prodeng-features", visibility="unit"),
    ),
    "Robotics Hardware": (
        O("hw-x3", "Make the X3 arm ready for volume production", (
            K("Raise mean time between failures from {s} to {t} hours", 800, 1500, "hours"),
            K("Reduce bill of materials cost from ${s} to ${t}", 7900, 6800, "$"),
            K("X3 arm certified for sale in the EU", kind="boolean"),
        ), kra="eng-delivery", up="o:org-product"),
    ),
    "Motion Control": (
        O("motion-picks", "Smoother, faster picks", (
            K("Cut average pick cycle from {s} to {t} seconds", 9.5, 7.0, "s", 1),
            K("Raise grasp success rate from {s}% to {t}%", 96.5, 99, "%", 1),
        ), up="o:hw-x3"),
    ),
    "Sensors & Perception": (
        O("perception-see", "See everything on the warehouse floor", (
            K("Raise object detection recall from {s}% to {t}%", 92, 97, "%", 1),
            K("Reduce false stops from {s} to {t} per 1,000 hours", 30, 8, "stops"),
        ), up="o:hw-x3"),
    ),
    "Sales": (
        O("sales-engine", "Build a repeatable enterprise sales engine", (
            K("Grow qualified pipeline from ${s}M to ${t}M", 8.5, 12, "$M", 1),
            K("Raise win rate from {s}% to {t}%", 19, 25, "%"),
            K("Raise pipeline coverage from {s}× to {t}×", kpi="pipeline"),
        ), kra="sales-new", up="k:org-logos"),
        O("sales-expansion", "Expand inside our installed base", (
            K("Grow expansion bookings from ${s}M to ${t}M", 0.9, 1.5, "$M", 1),
            K("Increase multi-site customers from {s} to {t}", 22, 35, "customers"),
        ), kra="sales-expansion", up="o:org-revenue"),
        O("sales-forecast", "Forecast within 5% every month", (
            K("Reduce forecast error from {s}% to {t}%", 14, 5, "%"),
            K("Raise CRM data completeness from {s}% to {t}%", 72, 95, "%"),
        ), kra="sales-forecast", up="o:org-operations", visibility="unit"),
    ),
    "Sales North America": (
        O("na-midmarket", "Own the North American mid-market", (
            K("Grow NA bookings from ${s}M to ${t}M", 2.1, 3.0, "$M", 1, key="na-bookings",
              children=True),
            K("Raise SDR-sourced pipeline from ${s}M to ${t}M", 1.2, 2.0, "$M", 1),
        ), kra="sales-new", up="o:sales-engine", rollup="both"),
    ),
    "Enterprise NA": (
        O("ent-lighthouse", "Land lighthouse enterprise accounts", (
            K("Book ${t}k in new enterprise contracts", 0, 2200, "$k", per_quarter=True,
              children=True, key="ent-bookings", weight=2),
            K("Increase deals over $250k from {s} to {t}", 2, 5, "deals"),
        ), kra="ent-bookings", up="k:na-bookings"),
        O("ent-pipeline", "Keep three times the quarter in pipeline", (
            K("Raise enterprise pipeline coverage from {s}× to {t}×", 2.3, 3.0, "×", 1),
            K("Increase multi-threaded opportunities from {s}% to {t}%", 45, 80, "%"),
        ), kra="ent-pipeline", up="o:sales-engine"),
    ),
    "Mid-Market NA": (
        O("mm-velocity", "Win mid-market deals in 60 days", (
            # HW009: nobody recorded a confidence at the start.
            K("Shorten sales cycle from {s} to {t} days", 82, 60, "days", confidence=False),
            K("Raise mid-market win rate from {s}% to {t}%", 21, 28, "%"),
        ), up="k:na-bookings"),
    ),
    "Sales EMEA": (
        O("emea-home", "Make EMEA our second home market", (
            K("Grow EMEA bookings from ${s}M to ${t}M", 0.6, 1.1, "$M", 1),
            K("Increase partner-sourced deals from {s} to {t}", 3, 10, "deals"),
            # HW005: a task, not an outcome.
            K("Launch the partner portal", kind="boolean", key="partner-portal", only="current"),
        ), kra="sales-new", up="o:sales-engine"),
    ),
    "Marketing": (
        O("mkt-funnel", "Fill the funnel with the right buyers", (
            K("Increase marketing-qualified leads from {s} to {t}", 420, 650, "MQLs"),
            K("Raise MQL-to-SQL conversion from {s}% to {t}%", 14, 22, "%"),
        ), kra="sales-new", up="o:sales-engine"),
        # HW002: six key results.
        O("mkt-brand", "Make Northwind the name in warehouse robotics", (
            K("Increase branded search volume from {s} to {t}", 2100, 3500, "searches"),
            K("Raise share of voice from {s}% to {t}%", 12, 20, "%"),
            K("Increase analyst briefings from {s} to {t}", 4, 10, "briefings"),
            K("Grow newsletter subscribers from {s} to {t}", 5800, 8000, "subscribers"),
            K("Increase webinar attendees from {s} to {t}", 300, 600, "attendees"),
            K("Raise website demo conversion from {s}% to {t}%", 1.1, 2.0, "%", 1),
        ), kra="sales-new", up="o:org-revenue", only="current"),
    ),
    "Demand Generation": (
        O("dg-payback", "Make every campaign pay back", (
            K("Increase inbound demo requests from {s} to {t}", 180, 300, "requests"),
            K("Cut cost per MQL from ${s} to ${t}", 410, 290, "$"),
        ), up="o:mkt-funnel"),
    ),
    "Product Marketing": (
        O("pmm-story", "Arm sales with a story that wins", (
            K("Raise competitive win rate from {s}% to {t}%", 38, 50, "%"),
            K("Increase sales content usage from {s}% to {t}%", 30, 70, "%"),
        ), up="o:mkt-funnel"),
    ),
    "Customer Success": (
        O("cs-onboarding", "Turn onboarding into a two-week sprint", (
            K("Cut median time-to-value from {s} to {t} days", 45, 30, "days"),
            K("Increase customers live within 14 days from {s}% to {t}%", 40, 70, "%"),
        ), kra="cs-onboarding", up="k:org-ttv"),
        O("cs-retention", "Keep every customer we win", (
            K("Raise health-score coverage from {s}% to {t}%", 60, 95, "%"),
            K("Increase QBR attendance from {s}% to {t}%", 55, 85, "%"),
            K("Raise net revenue retention from {s}% to {t}%", kpi="nrr"),
        ), kra="cs-retention", up="o:org-customers"),
        O("cs-support", "Give support customers rave about", (
            K("Cut first response time from {s} to {t} minutes", 95, 30, "minutes"),
            K("Raise support CSAT from {s}% to {t}%", 88, 94, "%"),
            K("Reduce ticket backlog from {s} to {t}", 420, 150, "tickets"),
        ), kra="cs-support", up="o:org-customers"),
    ),
    "Support": (
        O("support-fast", "Answer fast and fix it the first time", (
            K("Raise first-contact resolution from {s}% to {t}%", 62, 75, "%"),
            K("Increase tickets answered within SLA from {s}% to {t}%", 78, 95, "%"),
        ), kra="cs-support", up="o:cs-support"),
    ),
    "Tier 1 Support": (
        O("t1-answer", "Answer every customer within 30 minutes", (
            K("Cut first response time from {s} to {t} minutes", 95, 30, "minutes"),
            K("Increase tickets answered within SLA from {s}% to {t}%", 78, 95, "%"),
        ), kra="t1-response", up="o:support-fast"),
        O("t1-fix", "Fix it on first contact", (
            K("Raise first-contact resolution from {s}% to {t}%", 62, 75, "%"),
            K("Reduce reopened tickets from {s}% to {t}%", 9, 4, "%"),
        ), kra="t1-resolution", up="o:support-fast"),
    ),
    "Tier 2 Support": (
        O("t2-hard", "Resolve hard problems within a day", (
            K("Cut escalation resolution time from {s} to {t} hours", 46, 24, "hours"),
            K("Reduce escalations to engineering from {s} to {t} per month", 60, 25,
              "escalations"),
        ), up="o:support-fast"),
    ),
    "Account Management": (
        O("am-grow", "Grow the accounts we already have", (
            K("Increase renewal rate from {s}% to {t}%", 88, 94, "%"),
            K("Raise expansion pipeline from ${s}M to ${t}M", 0.8, 1.4, "$M", 1),
            # HW004: vague, and no numbers to measure it by.
            K("Improve customer happiness", only="current"),
        ), kra="cs-retention", up="o:cs-retention"),
    ),
    "Onboarding": (
        O("onb-live", "Customers live in two weeks", (
            K("Cut median go-live time from {s} to {t} days", 31, 14, "days"),
            K("Raise onboarding CSAT from {s} to {t}", 4.1, 4.6, "/5", 1),
        ), kra="cs-onboarding", up="o:cs-onboarding"),
    ),
    "Operations": (
        O("ops-margin", "Make margin, not just robots", (
            K("Reduce scrap rate from {s}% to {t}%", 4.2, 2.5, "%", 1),
            K("Cut warranty cost per unit from ${s} to ${t}", 610, 450, "$"),
        ), kra="ops-margin", up="o:org-operations"),
        O("ops-delivery", "Ship every order on the promised day", (
            K("Cut order-to-ship time from {s} to {t} days", 18, 12, "days"),
            K("Keep inventory days within {s}–{t}", 45, 60, "days", direction="within"),
            K("Raise supplier on-time rate from {s}% to {t}%", 84, 95, "%"),
        ), kra="ops-delivery", up="o:org-operations"),
        O("ops-cost", "Run a leaner operation", (
            K("Keep monthly operating spend at or below ${t}M", None, 2.4, "$M", 1,
              direction="at_most"),
            K("Reduce cost per robot from ${s} to ${t}", 18400, 16500, "$"),
        ), kra="ops-cost", up="o:org-operations"),
        # HW003: nobody owns it yet (nor its key results, which inherit the owner).
        O("ops-emea-site", "Serve EMEA customers from an EMEA assembly site", (
            K("Cut EMEA delivery lead time from {s} to {t} days", 42, 10, "days"),
            K("Reduce EMEA freight cost per robot from ${s} to ${t}", 1900, 700, "$"),
        ), kra="ops-delivery", up="o:org-operations", owner="-", only="current"),
    ),
    "Manufacturing": (
        O("mfg-output", "Build more robots on the same line", (
            K("Raise weekly output from {s} to {t} robots", 38, 50, "robots"),
            K("Reduce line downtime from {s}% to {t}%", 9, 4, "%"),
        ), kra="ops-delivery", up="o:ops-delivery"),
    ),
    "Assembly": (
        O("asm-plan", "Build to plan every week", (
            K("Raise weekly output from {s} to {t} robots", 38, 50, "robots", key="asm-output"),
            K("Reduce line downtime from {s}% to {t}%", 9, 4, "%"),
        ), kra="asm-throughput", up="o:mfg-output"),
        O("asm-right", "Right first time", (
            K("Lift first-pass yield from {s}% to {t}%", kpi="yield"),
            K("Reduce rework hours from {s} to {t} per month", 320, 150, "hours"),
        ), kra="asm-quality", up="o:ops-margin"),
    ),
    "Quality Assurance": (
        O("qa-catch", "Catch defects before customers do", (
            K("Reduce field defects from {s} to {t} per 100 robots", 14, 5, "defects"),
            K("Raise incoming inspection coverage from {s}% to {t}%", 60, 90, "%"),
        ), up="o:mfg-output"),
        # HW007: filed under no KRA and aligned to nothing.
        O("qa-lab", "Tidy up the test lab", (
            K("Cut test rig setup time from {s} to {t} minutes", 45, 15, "minutes"),
            K("Reduce unlabelled samples from {s} to {t}", 300, 20, "samples"),
        ), only="current"),
    ),
    "Supply Chain": (
        O("sc-parts", "Never stop the line for a missing part", (
            K("Reduce stock-outs from {s} to {t} per month", 11, 2, "stock-outs"),
            K("Raise supplier on-time rate from {s}% to {t}%", 84, 95, "%"),
        ), kra="ops-delivery", up="o:ops-delivery"),
    ),
    "Finance": (
        O("fin-close", "Close the books in five days", (
            K("Cut month-end close from {s} to {t} days", 9, 5, "days"),
            K("Reduce invoice errors from {s}% to {t}%", 2.4, 0.5, "%", 1),
        ), kra="ops-cost", up="o:ops-cost", visibility="unit"),
    ),
    "People": (
        O("people-hiring", "Hire great people faster", (
            K("Cut time to hire from {s} to {t} days", 52, 38, "days"),
            K("Raise offer acceptance rate from {s}% to {t}%", 71, 85, "%"),
            K("Increase referral share of hires from {s}% to {t}%", 18, 30, "%"),
        ), kra="people-hiring", up="k:org-tth"),
        O("people-engagement", "Make Northwind a place people stay", (
            K("Reduce regretted attrition from {s}% to {t}%", 9, 6, "%", 1),
            K("Increase manager 1:1 coverage from {s}% to {t}%", 64, 90, "%"),
        ), kra="people-engagement", up="o:org-people"),
        O("people-growth", "Grow every person's craft", (
            K("Increase employees with a growth plan from {s}% to {t}%", 35, 80, "%"),
            K("Raise learning budget use from {s}% to {t}%", 40, 75, "%"),
        ), kra="people-growth", up="o:org-people"),
    ),
    "Talent Acquisition": (
        O("ta-pipeline", "Hire engineers without lowering the bar", (
            K("Grow qualified candidates in pipeline from {s} to {t}", 120, 200, "candidates"),
            K("Raise hiring-manager satisfaction from {s} to {t}", 3.9, 4.5, "/5", 1),
        ), kra="people-hiring", up="o:people-hiring"),
    ),
    "People Operations": (
        O("pops-effortless", "Make people processes effortless", (
            K("Raise HR service satisfaction from {s} to {t}", 3.8, 4.5, "/5", 1),
            K("Cut payroll corrections from {s} to {t} per month", 14, 3, "corrections"),
        ), kra="people-engagement", up="o:people-engagement", visibility="unit"),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class PersonObjectives:
    """Personal objectives for the people of one job title in one unit."""

    unit: str
    title: str
    limit: int
    objectives: tuple[ObjectiveSpec, ...]


PERSON_OBJECTIVES: tuple[PersonObjectives, ...] = (
    PersonObjectives("Enterprise NA", "Account Executive", 6, (
        O("ae-new", "Win new logos in my territory", (
            K("Close ${t}k in new bookings", 0, 350, "$k", per_quarter=True, weight=2),
            K("Add {t} new logos", 0, 3, "logos", per_quarter=True),
            K("Grow qualified pipeline from ${s}k to ${t}k", 400, 1100, "$k"),
        ), kra="person:new", up="k:ent-bookings"),
        O("ae-expand", "Grow my existing accounts", (
            K("Increase expansion bookings from ${s}k to ${t}k", 60, 180, "$k"),
            K("Raise multi-site accounts from {s} to {t}", 2, 5, "accounts"),
        ), kra="person:expansion", up="o:sales-expansion"),
    )),
    PersonObjectives("Mid-Market NA", "Account Executive", 5, (
        O("mm-quota", "Hit my number every month", (
            K("Close ${t}k in new bookings", 0, 220, "$k", per_quarter=True),
            K("Book {t} qualified meetings", 0, 40, "meetings", per_quarter=True),
        ), up="o:mm-velocity"),
    )),
    PersonObjectives("Site Reliability", "Site Reliability Engineer", 3, (
        O("sre-own", "Own the reliability of my services", (
            K("Reduce alerts on my services from {s} to {t} per week", 40, 10, "alerts"),
            K("Raise runbook coverage from {s}% to {t}%", 50, 100, "%"),
        ), up="o:sre-outages"),
    )),
    PersonObjectives("Tier 1 Support", "Support Specialist", 7, (
        O("t1-me", "Be the fastest helpful answer", (
            K("Raise my CSAT from {s}% to {t}%", 90, 95, "%"),
            K("Cut my median first response from {s} to {t} minutes", 40, 20, "minutes"),
        ), up="o:t1-answer"),
    )),
    PersonObjectives("Account Management", "Customer Success Manager", 6, (
        O("csm-book", "Keep my book of business healthy", (
            K("Raise renewals in my book from {s}% to {t}%", 85, 95, "%"),
            K("Increase green health scores from {s}% to {t}%", 60, 80, "%"),
        ), up="o:am-grow"),
    )),
    PersonObjectives("Fleet Software", "Senior Software Engineer", 2, (
        O("fleet-mastery", "Become the go-to person for the routing engine", (
            K("Cut my code review turnaround from {s} to {t} hours", 30, 8, "hours"),
            K("Raise routing engine test coverage from {s}% to {t}%", 55, 85, "%"),
        ), up="o:fleet-routing", visibility="private"),
    )),
    PersonObjectives("Talent Acquisition", "Recruiter", 3, (
        O("rec-fill", "Fill engineering roles faster", (
            K("Cut my time to fill from {s} to {t} days", 55, 40, "days"),
            K("Raise onsite-to-offer rate from {s}% to {t}%", 30, 45, "%"),
        ), up="o:ta-pipeline"),
    )),
    PersonObjectives("People Operations", "HR Business Partner", 2, (
        O("hrbp-cases", "Resolve employee relations cases quickly", (
            K("Cut case resolution time from {s} to {t} days", 21, 10, "days"),
            K("Raise manager coaching sessions from {s} to {t} per month", 6, 12, "sessions"),
        ), up="o:pops-effortless", visibility="private"),
    )),
)  # fmt: skip

# The overloaded customer success manager: six objectives this quarter (HW013), one per KRA.
OVERLOADED_OBJECTIVES: tuple[ObjectiveSpec, ...] = (
    O("ovl-renewals", "Renew every account in my book", (
        K("Raise renewals in my book from {s}% to {t}%", 85, 95, "%"),
        K("Cut renewals signed late from {s} to {t}", 6, 1, "renewals"),
    ), kra="person:renewals", up="o:am-grow"),
    O("ovl-upsell", "Upsell the X3 arm to my accounts", (
        K("Increase X3 upsell pipeline from ${s}k to ${t}k", 50, 300, "$k"),
        K("Close {t} X3 upsell deals", 0, 4, "deals", per_quarter=True),
    ), kra="person:upsell", up="o:am-grow"),
    O("ovl-health", "Know the health of every account", (
        K("Raise health-score coverage in my book from {s}% to {t}%", 50, 100, "%"),
        K("Reduce red accounts from {s} to {t}", 7, 2, "accounts"),
    ), kra="person:health", up="o:cs-retention", only="current"),
    O("ovl-feedback", "Bring the customer's voice to product", (
        K("Increase logged feature requests from {s} to {t}", 10, 30, "requests"),
        K("Raise requests with a customer quote from {s}% to {t}%", 20, 80, "%"),
    ), kra="person:feedback", up="o:cs-support", only="current"),
    O("ovl-references", "Turn happy customers into references", (
        K("Increase referenceable accounts from {s} to {t}", 3, 8, "accounts"),
        K("Grow published case studies from {s} to {t}", 1, 3, "case studies"),
    ), kra="person:references", up="o:cs-retention", only="current"),
    O("ovl-escalations", "Stop escalations before they start", (
        K("Reduce escalations in my book from {s} to {t} per month", 5, 1, "escalations"),
        K("Cut time to resolve an escalation from {s} to {t} days", 6, 2, "days"),
    ), kra="person:escalations", up="o:cs-support", only="current"),
)  # fmt: skip

# HW011: an ambition nobody has put in a period yet.
NO_PERIOD_OBJECTIVE = O(
    "sales-coldstorage", "Become the default choice for cold-storage warehouses", (
        K("Grow cold-storage customers from {s} to {t}", 4, 15, "customers"),
        K("Raise cold-storage win rate from {s}% to {t}%", 20, 35, "%"),
    ), kra="sales-new",
)  # fmt: skip

NOTES = {
    "on_track": (
        "Ahead of plan after the pilot sites went live.",
        "Steady week; the new playbook is working.",
        "Two big wins this week.",
        "On plan. Nothing blocking.",
    ),
    "at_risk": (
        "Two deals slipped to next month.",
        "Short-staffed while we backfill a role.",
        "Vendor delay on the new sensors; recovering next sprint.",
        "Moving, but slower than planned.",
    ),
    "off_track": (
        "Blocked on the firmware update from our supplier.",
        "Priorities changed mid-quarter; asking to re-scope.",
        "No movement yet: the team is on the X3 launch.",
        "Needs a decision in the next business review.",
    ),
}


# -- results ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Account:
    """A demo person who can sign in, and what to call them in the sign-in lines."""

    label: str
    email: str
    staff: bool


@dataclass(frozen=True)
class DemoSummary:
    """What `demo_build` made, for the command's closing lines."""

    organization: Organization
    counts: dict[str, int]
    accounts: list[Account]
    seconds: float


# -- small helpers ------------------------------------------------------------------------------
def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _fmt(value: float, decimals: int) -> str:
    """A number as a person writes it in a title: 12,400 and 3.1 and 2 (not 2.0)."""
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _dec(value: float, decimals: int) -> Decimal:
    return Decimal(f"{value:.{decimals}f}")


def _at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def _kind(spec: KRSpec) -> str:
    if spec.kind:
        return spec.kind
    if spec.unit == "%":
        return KeyResult.Kind.PERCENT
    if spec.unit.startswith("$"):
        return KeyResult.Kind.CURRENCY
    return KeyResult.Kind.NUMBER


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def _quarter_end(start: dt.date) -> dt.date:
    return _month_end(start.year, start.month + 2)


def _previous_quarter_start(start: dt.date) -> dt.date:
    return (
        dt.date(start.year - 1, 10, 1) if start.month == 1 else start.replace(month=start.month - 3)
    )


def _schedule(frequency: str, start: dt.date, end: dt.date) -> list[dt.date]:
    """The dates a KPI of this frequency is measured on, inside [start, end]."""
    if frequency == Indicator.Frequency.DAY:
        return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    if frequency == Indicator.Frequency.WEEK:
        first = start + dt.timedelta(days=(7 - start.weekday()) % 7)  # Mondays
        return [first + dt.timedelta(days=7 * n) for n in range((end - first).days // 7 + 1)]
    months = 1 if frequency == Indicator.Frequency.MONTH else 3
    days: list[dt.date] = []
    year, month = start.year, 1 if months == 3 else start.month
    while True:
        day = _month_end(year, month + months - 1)
        if day > end:
            return days
        if day >= start:
            days.append(day)
        month += months
        if month > 12:
            year, month = year + 1, month - 12


# -- the builder --------------------------------------------------------------------------------
@dataclass
class _Track:
    """A key result whose weekly check-ins the demo writes, and the numbers they move between."""

    kr: KeyResult
    period: Period
    spec: KRSpec
    start: float | None
    target: float | None
    decimals: int
    direction: str
    author: Person | None


class _Builder:
    """Builds Northwind Robotics step by step; one instance per build."""

    def __init__(self, *, today: dt.date, seed: int, report: Report) -> None:
        self.today = today
        self.rng = random.Random(seed)
        self.report = report
        self.units: dict[str, Unit] = {}
        self.heads: dict[str, Person] = {}
        self.members: dict[str, list[Person]] = {}
        self.kras: dict[str, ResultArea] = {}
        self.person_kras: dict[tuple[int, str], ResultArea] = {}
        self.kpis: dict[str, Indicator] = {}
        self.kpi_specs: dict[str, KPISpec] = {}
        self.series: dict[str, list[tuple[dt.date, float]]] = {}
        self.targets: dict[tuple[str, int], float] = {}
        self.parents: dict[tuple[int, str], Objective | KeyResult] = {}
        self.tracks: list[_Track] = []
        self.counts: dict[str, int] = {}
        self.password_hash = ""
        self.made = 0  # objectives so far, for the progress lines

    # -- organization, units and people --------------------------------------------------------
    def organization(self) -> None:
        self.org = organization_create(name=NAME, slug=SLUG, fiscal_year_start_month=1)

    def _names(self, count: int) -> list[tuple[str, str]]:
        """`count` distinct (first, last) names, the same ones for the same seed."""
        names: list[tuple[str, str]] = []
        seen: set[str] = set()
        while len(names) < count:
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            email = f"{_ascii(first)}.{_ascii(last)}"
            if email not in seen:
                seen.add(email)
                names.append((first, last))
        return names

    def people(self) -> None:
        total = sum(1 + sum(n for _, n in spec.members) for spec in UNITS)
        names = iter(self._names(total))
        made = 0
        # The first person with each of these titles can sign in (True: staff and superuser).
        wanted_accounts = {
            "Chief Executive Officer": True,
            "Business Systems Administrator": True,
            "Chief Revenue Officer": False,
            "Account Executive": False,
            "HR Business Partner": False,
        }

        def add(unit: Unit, title: str, role: str, manager: Person | None) -> Person:
            nonlocal made
            first, last = next(names)
            email = f"{_ascii(first)}.{_ascii(last)}@{DOMAIN}"
            user = None
            if title in wanted_accounts:
                user = self._user(email, first, last, staff=wanted_accounts.pop(title))
            person = person_create(
                organization=self.org,
                name=f"{first} {last}",
                email=email,
                unit=unit,
                manager=manager,
                role=role,
                job_title=title,
                user=user,
            )
            made += 1
            if made % 50 == 0 or made == total:
                self.report(f"people {made}/{total}")
            return person

        for spec in UNITS:
            parent = self.units[spec.parent] if spec.parent else None
            unit = unit_create(organization=self.org, name=spec.name, kind=spec.kind, parent=parent)
            self.units[spec.name] = unit
            boss = self.heads[spec.parent] if spec.parent else None
            role = Person.Role.ADMIN if boss is None else Person.Role.LEADER
            head = add(unit, spec.head_title, role, boss)
            self.heads[spec.name] = head
            unit_update(unit=unit, head=head)
            self.members[spec.name] = [
                add(unit, title, TITLE_ROLES.get(title, Person.Role.MEMBER), head)
                for title, count in spec.members
                for _ in range(count)
            ]
        self.ceo = self.heads[NAME]
        self.counts["people"] = made
        self.counts["units"] = len(self.units)

    def _user(self, email: str, first: str, last: str, *, staff: bool) -> object:
        """A sign-in for a demo person; a leftover account of the same name is reused."""
        user_model = get_user_model()
        user = user_model.objects.filter(username=email).first() or user_model(username=email)
        user.email, user.first_name, user.last_name = email, first, last
        user.is_staff = user.is_superuser = staff
        # One hash for every demo account: they share a published password, and each hash is
        # deliberately slow (about half a second).
        self.password_hash = self.password_hash or make_password(PASSWORD)
        user.password = self.password_hash
        user.save()
        return user

    # -- periods -------------------------------------------------------------------------------
    def periods(self) -> None:
        year_start = dt.date(self.today.year, 1, 1)
        self.year = period_create(
            organization=self.org,
            name=str(self.today.year),
            start=year_start,
            end=dt.date(self.today.year, 12, 31),
            kind=Period.Kind.YEAR,
        )
        self.quarters: list[Period] = []
        start = year_start
        while start.year == self.today.year:
            self.quarters.append(self._quarter(start, self.year))
            start = _quarter_end(start) + dt.timedelta(days=1)
        current_start = _quarter_start(self.today)
        self.current = next(q for q in self.quarters if q.start == current_start)
        previous_start = _previous_quarter_start(current_start)
        previous = next((q for q in self.quarters if q.start == previous_start), None)
        if previous is None:  # January to March: last year's fourth quarter
            previous = self._quarter(previous_start, None)
            self.quarters.insert(0, previous)
        self.previous = previous

    def _quarter(self, start: dt.date, year: Period | None) -> Period:
        end = _quarter_end(start)
        if start == _previous_quarter_start(_quarter_start(self.today)):
            state = Period.State.ACTIVE  # until its check-ins are in: `quarters_of_objectives`
        elif end < self.today:
            state = Period.State.CLOSED
        elif start > self.today:
            state = Period.State.PLANNING
        else:
            state = Period.State.ACTIVE
        return period_create(
            organization=self.org,
            name=f"{start.year}-Q{(start.month - 1) // 3 + 1}",
            start=start,
            end=end,
            kind=Period.Kind.QUARTER,
            parent=year,
            state=state,
        )

    # -- KRAs ----------------------------------------------------------------------------------
    def _owner_of(self, owner: str, default: Person | None) -> Person | None:
        if owner == "-":
            return None
        return self.heads[owner] if owner else default

    def _reviewed(self, key: str) -> dt.datetime:
        days = REVIEWED_DAYS_AGO.get(key, self.rng.randint(5, 80))
        return _at_noon(self.today - dt.timedelta(days=days))

    def result_areas(self) -> None:
        for spec in KRAS:
            unit = None if spec.scope == "org" else self.units[spec.scope]
            default = self.ceo if unit is None else self.heads[spec.scope]
            self.kras[spec.key] = result_area_create(
                organization=self.org,
                name=spec.name,
                owner=self._owner_of(spec.owner, default),
                actor=self.ceo,
                scope_unit=unit,
                key=f"kra-{spec.key}",
                description=spec.description,
                weight=None if spec.weight is None else Decimal(spec.weight),
                parent=self.kras[spec.parent] if spec.parent else None,
                last_reviewed_at=self._reviewed(spec.key),
            )
        for person in self._people_with("Enterprise NA", "Account Executive", 6):
            self._person_kras(person, AE_KRAS)
        self._person_kras(self.overloaded, OVERLOADED_KRAS)
        self.counts["kras"] = ResultArea.objects.filter(organization=self.org).count()

    def _people_with(self, unit: str, title: str, limit: int) -> list[Person]:
        return [p for p in self.members[unit] if p.job_title == title][:limit]

    @property
    def overloaded(self) -> Person:
        return self._people_with("Account Management", "Customer Success Manager", 1)[0]

    def _person_kras(self, person: Person, specs: tuple[KRASpec, ...]) -> None:
        local = person.email.split("@")[0].replace(".", "-")
        for spec in specs:
            self.person_kras[(person.pk, spec.key)] = result_area_create(
                organization=self.org,
                name=spec.name,
                owner=person,
                actor=person.manager,
                scope_person=person,
                key=f"kra-{local}-{spec.key}",
                weight=None if spec.weight is None else Decimal(spec.weight),
                parent=self.kras[spec.parent],
                last_reviewed_at=self._reviewed(spec.key),
            )

    def backdate_result_areas(self) -> None:
        """Date the KRAs' definitions to when the company set them, and redefine one since."""
        # The service stamps "now"; the demo's history is relative to `today` instead, so that
        # drift (HW015) shows only where it is meant to. No service writes this field.
        ResultArea.objects.filter(organization=self.org).update(
            definition_changed_at=_at_noon(self.today - dt.timedelta(days=300))
        )
        customers = self.kras["customers"]
        result_area_update(
            area=customers,
            actor=self.ceo,
            description="Customers who go live in two weeks, stay, grow and refer others.",
        )
        # HW015: "Support quality" was last reviewed before this redefinition.
        ResultArea.objects.filter(pk=customers.pk).update(
            definition_changed_at=_at_noon(self.today - dt.timedelta(days=20))
        )

    # -- KPIs ----------------------------------------------------------------------------------
    def _trend(self, spec: KPISpec, day: dt.date) -> float:
        origin = self.today - dt.timedelta(days=364)
        return spec.year_ago + (spec.now - spec.year_ago) * (day - origin).days / 364

    def _series(self, spec: KPISpec) -> list[tuple[dt.date, float]]:
        """A year of measurements up to yesterday: the trend, noise, weekends and incidents."""
        rng = self.rng
        origin = self.today - dt.timedelta(days=364)
        last = self.today - dt.timedelta(days=1 + 7 * spec.stale_weeks)
        points = []
        for day in _schedule(spec.frequency, origin, last):
            if spec.direction == Indicator.Direction.RANGE:
                value = min(100.0, spec.now + rng.gauss(0, spec.noise))
                if rng.random() < 0.03:  # an incident day
                    value = rng.uniform(98.9, 99.6)
            else:
                value = self._trend(spec, day) + rng.gauss(0, spec.noise)
                if spec.key == "frt" and day.weekday() >= 5:
                    value *= 1.25  # a thin weekend rota answers more slowly
                if spec.unit == "%" and spec.now <= 100:  # a share; NRR may pass 100%
                    value = min(value, 100.0)
                value = max(value, 0.0)
            points.append((day, round(value, spec.decimals)))
        return points

    def _target(self, spec: KPISpec, period: Period) -> float:
        if spec.aggregation == Indicator.Aggregation.SUM:
            days = _schedule(spec.frequency, period.start, period.end)
            total = sum(self._trend(spec, day) for day in days)
            return round(total * (1 + spec.stretch), spec.decimals)
        change = spec.now - spec.year_ago
        return round(self._trend(spec, period.end) + spec.stretch * change, spec.decimals)

    def indicators(self) -> None:
        measurements: list[Measurement] = []
        for spec in KPIS:
            unit = None if spec.scope == "org" else self.units[spec.scope]
            owner = self._owner_of(spec.owner, self.ceo if unit is None else self.heads[spec.scope])
            quarters = [
                q for q in self.quarters if spec.current_target or q.end < self.current.start
            ]
            values = {q.pk: self._target(spec, q) for q in quarters}
            thresholds: dict[str, Any] = {}
            scale = 10**spec.decimals
            if spec.direction == Indicator.Direction.UP and values:
                low = math.floor(min(values.values()) * 0.92 * scale) / scale
                thresholds["red_below"] = _dec(low, spec.decimals)
            elif spec.direction == Indicator.Direction.DOWN and values:
                high = math.ceil(max(values.values()) * 1.1 * scale) / scale
                thresholds["red_above"] = _dec(high, spec.decimals)
            elif spec.direction == Indicator.Direction.RANGE:
                thresholds["tolerance"] = Decimal("0.2")
            daily = spec.frequency == Indicator.Frequency.DAY
            indicator = indicator_create(
                organization=self.org,
                name=spec.name,
                owner=owner,
                actor=owner,
                scope_unit=unit,
                result_area=self.kras[spec.kra],
                key=f"kpi-{spec.key}",
                description=spec.description,
                unit_label=spec.unit,
                direction=spec.direction,
                frequency=spec.frequency,
                aggregation=spec.aggregation,
                leading=spec.leading,
                source=Indicator.Source.API if daily else Indicator.Source.MANUAL,
                **thresholds,
            )
            for quarter in quarters:
                if spec.direction == Indicator.Direction.RANGE:
                    target_set(
                        indicator=indicator,
                        period=quarter,
                        lower=Decimal("99.5"),
                        upper=Decimal(100),
                        actor=owner,
                    )
                else:
                    value = values[quarter.pk]
                    target_set(
                        indicator=indicator,
                        period=quarter,
                        value=_dec(value, spec.decimals),
                        actor=owner,
                    )
                    self.targets[(spec.key, quarter.pk)] = value
            self.kpis[spec.key] = indicator
            self.kpi_specs[spec.key] = spec
            self.series[spec.key] = self._series(spec)
            measurements += [
                Measurement(
                    organization=self.org,
                    indicator=indicator,
                    date=day,
                    value=_dec(value, spec.decimals),
                    source=indicator.source,
                    recorded_by=None if daily else owner,
                )
                for day, value in self.series[spec.key]
            ]
        Measurement.objects.bulk_create(measurements, batch_size=1000)
        self.counts["kpis"] = len(self.kpis)
        self.counts["measurements"] = len(measurements)
        self.report(f"measurements {len(measurements)} over {len(self.kpis)} KPIs")

    def _kpi_before(self, key: str, day: dt.date) -> float:
        """The KPI's last measured value before `day`: where a key result following it starts."""
        before = [value for date, value in self.series[key] if date < day]
        spec = self.kpi_specs[key]
        return before[-1] if before else round(self._trend(spec, day), spec.decimals)

    # -- objectives ----------------------------------------------------------------------------
    def _plan(self, period: Period) -> list[tuple[ObjectiveSpec, Unit | None, Person | None]]:
        """Every objective of one quarter, top-down so that parents exist before children."""
        current = period.pk == self.current.pk
        plan: list[tuple[ObjectiveSpec, Unit | None, Person | None]] = [
            (spec, None, None) for spec in ORG_OBJECTIVES
        ]
        for unit_spec in UNITS:
            for spec in UNIT_OBJECTIVES.get(unit_spec.name, ()):
                plan.append((spec, self.units[unit_spec.name], None))
        for group in PERSON_OBJECTIVES:
            for person in self._people_with(group.unit, group.title, group.limit):
                if person.pk == self.overloaded.pk:
                    continue
                plan += [(spec, None, person) for spec in group.objectives]
        plan += [(spec, None, self.overloaded) for spec in OVERLOADED_OBJECTIVES]
        return [item for item in plan if current or not item[0].only]

    def quarters_of_objectives(self) -> None:
        """Last quarter (checked in, then closed and graded), then this quarter up to today."""
        plans = {period.pk: self._plan(period) for period in (self.previous, self.current)}
        self.counts["objectives"] = total = sum(len(plan) for plan in plans.values()) + 1
        self.made = 0
        self._objectives(self.previous, plans[self.previous.pk], total)
        self._check_ins(self.previous)
        period_close(period=self.previous, actor=self.ceo, today=self.today)  # freezes its grades
        self._objectives(self.current, plans[self.current.pk], total)
        self._objective(NO_PERIOD_OBJECTIVE, None, unit=self.units["Sales"], person=None)
        self.report(f"objectives {total}/{total}")
        self._check_ins(self.current)
        self.report(f"check-ins {self.counts['check_ins']}")

    def _objectives(
        self,
        period: Period,
        plan: list[tuple[ObjectiveSpec, Unit | None, Person | None]],
        total: int,
    ) -> None:
        for spec, unit, person in plan:
            self._objective(spec, period, unit=unit, person=person)
            self.made += 1
            if self.made % 50 == 0:
                self.report(f"objectives {self.made}/{total}")

    def _objective(
        self,
        spec: ObjectiveSpec,
        period: Period | None,
        *,
        unit: Unit | None,
        person: Person | None,
    ) -> Objective:
        if person is not None:
            default: Person | None = person
        else:
            default = self.heads[unit.name] if unit is not None else self.ceo
        owner = self._owner_of(spec.owner, default)
        if spec.kra.startswith("person:"):
            assert person is not None
            area: ResultArea | None = self.person_kras[(person.pk, spec.kra.split(":", 1)[1])]
        else:
            area = self.kras[spec.kra] if spec.kra else None
        closed = period is not None and period.pk == self.previous.pk  # graded, not worked on
        objective = objective_create(
            organization=self.org,
            title=spec.title,
            owner=owner,
            period=period,
            actor=owner,
            scope_unit=unit,
            scope_person=person,
            description=spec.description,
            result_area=area,
            visibility=spec.visibility,
            state=Objective.State.CLOSED if closed else Objective.State.ACTIVE,
            rollup=spec.rollup,
        )
        # Key results of a unit's objective are often owned by the people who do the work.
        helpers = [
            p
            for p in (self.members.get(unit.name, []) if unit is not None else [])
            if p.role == Person.Role.MEMBER
        ]
        for position, kr_spec in enumerate(k for k in spec.krs if not closed or not k.only):
            kr_owner = owner
            if position and helpers and owner is not None and self.rng.random() < 0.5:
                kr_owner = self.rng.choice(helpers)
            self._key_result(objective, period, kr_spec, kr_owner, personal=person is not None)
        if spec.up and period is not None:
            parent = self.parents[(period.pk, spec.up)]
            if isinstance(parent, Objective):
                alignment_create(child=objective, parent_objective=parent, actor=owner)
            else:
                alignment_create(child=objective, parent_key_result=parent, actor=owner)
        if person is None and period is not None:
            self.parents[(period.pk, f"o:{spec.key}")] = objective
        return objective

    def _numbers(
        self, spec: KRSpec, period: Period | None, *, personal: bool
    ) -> tuple[float | None, float | None, int]:
        """This key result's start and target: from its KPI, or the catalogue's numbers moved
        back a step for the previous quarter and varied a little from person to person."""
        if spec.kpi:
            kpi = self.kpi_specs[spec.kpi]
            assert period is not None
            measured = self._kpi_before(spec.kpi, period.start)
            goal = self.targets[(spec.kpi, period.pk)]
            # A target the KPI already beats would make no key result: start a step short of it.
            step = round(abs(kpi.now - kpi.year_ago) / 8, kpi.decimals) or 10**-kpi.decimals
            if kpi.direction == Indicator.Direction.UP and measured >= goal:
                measured = round(goal - step, kpi.decimals)
            elif kpi.direction == Indicator.Direction.DOWN and measured <= goal:
                measured = round(goal + step, kpi.decimals)
            return measured, goal, kpi.decimals
        if spec.target is None or spec.start is None or spec.direction:
            return spec.start, spec.target, spec.decimals  # thresholds and yes/no: as written
        start, target, decimals = spec.start, spec.target, spec.decimals
        rising = target >= start
        if period is not None and period.pk == self.previous.pk:
            if spec.per_quarter:
                target = target * 0.85
            else:
                start, target = start - (target - start) * 0.6, start
        if personal and (spec.per_quarter or spec.unit.startswith("$")):
            factor = self.rng.choice((0.8, 0.9, 1.0, 1.1, 1.2))
            target = target * factor if spec.per_quarter else start + (target - start) * factor
        start, target = max(round(start, decimals), 0), max(round(target, decimals), 0)
        if spec.unit == "%":
            start, target = min(start, 100), min(target, 100)
        if start == target:
            step = 10**-decimals
            start = start - step if rising else start + step
        return start, target, decimals

    def _key_result(
        self,
        objective: Objective,
        period: Period | None,
        spec: KRSpec,
        owner: Person | None,
        *,
        personal: bool,
    ) -> KeyResult:
        start, target, decimals = self._numbers(spec, period, personal=personal)
        title = spec.title
        if start is not None:
            title = title.replace("{s}", _fmt(start, decimals))
        if target is not None:
            title = title.replace("{t}", _fmt(target, decimals))
        kind = _kind(spec)
        fields: dict[str, Any] = {
            "kind": kind,
            "unit_label": spec.unit,
            "weight": Decimal(spec.weight),
            "confidence_start": self.rng.randint(5, 8) if spec.confidence else None,
        }
        direction = spec.direction
        if direction == KeyResult.Direction.WITHIN:
            fields["lower"], fields["upper"] = (
                _dec(start or 0, decimals),
                _dec(target or 0, decimals),
            )
        elif direction:
            fields["target"] = None if target is None else _dec(target, decimals)
        elif start is not None and target is not None:
            direction = "decrease" if target < start else "increase"
            fields["start"], fields["target"] = _dec(start, decimals), _dec(target, decimals)
        if direction:
            fields["direction"] = direction
        if spec.kpi:
            fields["progress_source"] = KeyResult.Source.INDICATOR
            fields["indicator"] = self.kpis[spec.kpi]
        elif spec.children:
            fields["progress_source"] = KeyResult.Source.CHILDREN
        elif kind == KeyResult.Kind.MILESTONES:
            fields["progress_source"] = KeyResult.Source.MILESTONES
        kr = key_result_create(objective=objective, title=title, actor=owner, owner=owner, **fields)
        if period is not None and spec.key and not personal:
            self.parents[(period.pk, f"k:{spec.key}")] = kr
        if period is not None and not spec.kpi and not spec.children:
            author = kr.owner
            self.tracks.append(
                _Track(kr, period, spec, start, target, decimals, direction or "increase", author)
            )
        return kr

    # -- check-ins -----------------------------------------------------------------------------
    def _pace(self, period: Period, day: dt.date) -> float:
        return ((day - period.start).days + 1) / ((period.end - period.start).days + 1)

    def _profile(self, period: Period) -> str:
        r = self.rng.random()
        if period.pk == self.previous.pk:
            return "on_track" if r < 0.55 else "at_risk" if r < 0.85 else "off_track"
        return (
            "on_track"
            if r < 0.52
            else "at_risk"
            if r < 0.75
            else "off_track"
            if r < 0.93
            else "stale"
        )

    def _check_in_days(self, period: Period, *, stale: bool) -> list[dt.date]:
        """Weekly, on the owner's usual weekday; a stale key result stopped 3+ weeks ago."""
        end = min(self.today, period.end)
        weekday = self.rng.randrange(5)
        day = period.start + dt.timedelta(days=(weekday - period.start.weekday()) % 7)
        if (day - period.start).days < 3:
            day += dt.timedelta(days=7)
        days = []
        while day <= end:
            days.append(day)
            day += dt.timedelta(days=7)
        if stale:
            cutoff = end - dt.timedelta(days=21 + self.rng.randrange(8))
            return [d for d in days if d <= cutoff]
        return [d for d in days[:-1] if self.rng.random() > 0.07] + days[-1:]

    def _status_on(self, track: _Track, progress: float, day: dt.date) -> Status:
        return pace_status(
            progress=Fraction(progress).limit_denominator(10**6),
            start=track.period.start,
            end=track.kr.due or track.period.end,
            today=day,
        )

    def _final_value(self, track: _Track, progress: float, wanted: str) -> float:
        """The last check-in's value: the one nearest `progress` that reads as `wanted` today."""
        assert track.start is not None
        assert track.target is not None
        step = 10**-track.decimals
        nearest = round(track.start + progress * (track.target - track.start), track.decimals)
        for offset in (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5):
            value = round(nearest + offset * step, track.decimals)
            share = (value - track.start) / (track.target - track.start)
            if self._status_on(track, min(max(share, 0.0), 1.0), self.today) == wanted:
                return value
        return nearest

    def _values(self, track: _Track, days: list[dt.date], profile: str) -> list[float | None]:
        """Values that follow a trend towards where this profile should end up."""
        rng = self.rng
        closed = track.period.pk == self.previous.pk
        spec = track.spec
        if spec.kind == KeyResult.Kind.BOOLEAN:
            done_at = len(days)
            if profile == "on_track" and (closed or rng.random() < 0.6):
                done_at = max(0, len(days) - 1 - rng.randrange(3))
            return [1.0 if i >= done_at else 0.0 for i in range(len(days))]
        if track.start is None and track.target is None:
            return [None] * len(days)  # nothing to measure: confidence and notes only
        if track.direction in ("at_least", "at_most", "within"):
            return [
                self._threshold_value(track, i == len(days) - 1, profile) for i in range(len(days))
            ]
        assert track.start is not None
        assert track.target is not None
        last = days[-1]
        if closed:
            final = {"on_track": (0.7, 1.05), "at_risk": (0.4, 0.65), "off_track": (0.05, 0.35)}
            goal = rng.uniform(*final[profile])
        else:
            expected = self._pace(track.period, self.today)
            goal = {
                "on_track": expected + rng.uniform(-0.04, 0.1),
                "at_risk": expected - rng.uniform(0.14, 0.22),
                "off_track": expected - rng.uniform(0.32, 0.5),
                "stale": self._pace(track.period, last) * rng.uniform(0.5, 1.0),
            }[profile]
            goal = max(goal, 0.0)
        curve = rng.uniform(0.8, 1.4)
        values: list[float | None] = []
        for day in days:
            share = (self._pace(track.period, day) / self._pace(track.period, last)) ** curve
            progress = goal * share + (rng.gauss(0, 0.03) if day != last else 0.0)
            values.append(
                round(track.start + progress * (track.target - track.start), track.decimals)
            )
        if not closed and profile in ("on_track", "at_risk", "off_track"):
            values[-1] = self._final_value(track, goal, profile)
        return values

    def _threshold_value(self, track: _Track, last: bool, profile: str) -> float:
        """A value around an at-least/at-most bound or a range: met or missed by the profile."""
        rng = self.rng
        met = profile == "on_track" if last else rng.random() < 0.7
        if track.direction == KeyResult.Direction.WITHIN:
            low, high = track.start or 0.0, track.target or 0.0
            width = high - low
            value = rng.uniform(low, high) if met else high + rng.uniform(0.05, 0.3) * width
        else:
            bound = track.target or 0.0
            below = rng.uniform(0.85, 0.99) * bound
            above = rng.uniform(1.02, 1.15) * bound
            ok, bad = (below, above) if track.direction == "at_most" else (above, below)
            value = ok if met else bad
        return round(value, track.decimals)

    def _check_ins(self, period: Period) -> None:
        rows: list[CheckIn] = []
        for track in self.tracks:
            if track.period.pk != period.pk:
                continue
            if track.spec.kind == KeyResult.Kind.MILESTONES:
                self._milestones(track)
                continue
            profile = self._profile(track.period)
            days = self._check_in_days(track.period, stale=profile == "stale")
            if not days:
                continue
            values = self._values(track, days, profile)
            first = track.kr.confidence_start or 6
            closing = {"on_track": (7, 9), "at_risk": (4, 6), "off_track": (2, 4)}
            end = self.rng.randint(*closing[profile]) if profile in closing else first
            for index, (day, value) in enumerate(zip(days, values, strict=True)):
                confidence = round(first + (end - first) * (index + 1) / len(days))
                status = self._owner_status(track, day, value)
                note = ""
                last = index == len(days) - 1
                chance = 0.5 if last and profile in ("at_risk", "off_track") else 0.15
                if value is None:
                    note = "No number to report yet; collecting feedback from the account teams."
                elif self.rng.random() < chance:
                    note = self.rng.choice(NOTES[status or "on_track"])
                rows.append(
                    CheckIn(
                        organization=self.org,
                        key_result=track.kr,
                        date=day,
                        value=None if value is None else _dec(value, track.decimals),
                        confidence=confidence,
                        status=status,
                        note=note,
                        author=track.author,
                    )
                )
        CheckIn.objects.bulk_create(rows, batch_size=1000)
        self.counts["check_ins"] = self.counts.get("check_ins", 0) + len(rows)

    def _owner_status(self, track: _Track, day: dt.date, value: float | None) -> str:
        """The status the owner chose: usually the computed one, sometimes a shade rosier."""
        if value is None or self.rng.random() < 0.2:
            return ""
        if (
            track.start is None
            or track.target is None
            or track.direction
            not in (
                "increase",
                "decrease",
            )
        ):
            return CheckIn.OwnerStatus.ON_TRACK if value else CheckIn.OwnerStatus.AT_RISK
        share = min(max((value - track.start) / (track.target - track.start), 0.0), 1.0)
        status = self._status_on(track, share, day)
        if status == Status.AT_RISK and self.rng.random() < 0.3:
            return CheckIn.OwnerStatus.ON_TRACK
        if status in (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK):
            return str(status)
        return ""

    def _milestones(self, track: _Track) -> None:
        period = track.period
        length = (period.end - period.start).days
        behind = self.rng.random() < 0.4
        for index, (title, share) in enumerate(
            zip(track.spec.milestones, (0.2, 0.45, 0.7, 0.95), strict=False)
        ):
            due = period.start + dt.timedelta(days=round(length * share))
            done = due <= self.today and not (behind and index == 1)
            milestone_save(
                milestone=Milestone(key_result=track.kr, title=title, due=due, done=done),
                actor=track.author,
            )

    # -- initiatives ---------------------------------------------------------------------------
    def initiatives(self) -> None:
        """A few pieces of work that move key results: context, never progress by themselves."""
        current = self.current.pk
        work = (
            ("Partner portal v1", "Sales EMEA", "k:partner-portal", 40, 60000),
            ("Golden-path service templates", "Platform", "k:golden-path", 120, 15000),
            ("Second-shift assembly pilot", "Assembly", "k:asm-output", 60, 85000),
        )
        for title, unit_name, key, effort, budget in work:
            kr = self.parents.get((current, key))
            initiative_create(
                organization=self.org,
                title=title,
                owner=self.heads[unit_name],
                actor=self.heads[unit_name],
                key_results=[kr] if isinstance(kr, KeyResult) else [],
                scope_unit=self.units[unit_name],
                state=Initiative.State.ACTIVE,
                effort_days=Decimal(effort),
                budget=Decimal(budget),
            )


def demo_build(
    *, today: dt.date, seed: int = SEED, report: Report = lambda line: None
) -> DemoSummary:
    """Build Northwind Robotics as of `today` in one transaction; the slug must be free."""
    began = time.perf_counter()
    builder = _Builder(today=today, seed=seed, report=report)
    with transaction.atomic():
        # Loading history is not living through it: statuses as they stood a week ago are the
        # starting point, and the last week's changes (and escalations) are logged as news.
        with status_log.paused():
            builder.organization()
            builder.people()
            builder.periods()
            builder.result_areas()
            builder.indicators()
            builder.quarters_of_objectives()
            builder.initiatives()
            builder.backdate_result_areas()
            recompute_organization(builder.org, today=today - dt.timedelta(days=7))
        changed = recompute_organization(builder.org, today=today)
        report(
            f"recomputed {changed['key_results']} key results, {changed['objectives']} objectives"
        )
    # After the commit, which queued a check for the worker: this one answers it at once.
    state = health_findings_refresh(organization=builder.org, today=today)
    if state is not None:
        report(f"checked the health of {state.checked} objects: {state.healthy} healthy")
    counts = dict(builder.counts)
    counts["key_results"] = KeyResult.objects.filter(organization=builder.org).count()
    accounts = demo_accounts(builder.org)
    return DemoSummary(builder.org, counts, accounts, time.perf_counter() - began)


def demo_accounts(organization: Organization) -> list[Account]:
    """The demo's sign-ins, read back from the database (for a second `headway demo`)."""
    order = {role: i for i, role in enumerate(("admin", "leader", "member", "hr", "viewer"))}
    people = Person.objects.filter(organization=organization, user__isnull=False).select_related(
        "user"
    )
    accounts = [
        (
            order.get(p.role, 9),
            not (p.user and p.user.is_superuser),
            p.pk,
            Account(
                f"{p.get_role_display()}: {p.job_title}",
                p.user.get_username() if p.user else p.email,
                bool(p.user and p.user.is_staff),
            ),
        )
        for p in people
    ]
    return [account for *_, account in sorted(accounts, key=lambda a: a[:3])]


@transaction.atomic
def demo_remove() -> bool:
    """Delete the demo organization and its sign-ins; False when there was none."""
    organization = Organization.objects.filter(slug=SLUG).first()
    if organization is None:
        return False
    org = organization.pk
    user_ids = list(
        Person.objects.filter(organization_id=org, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    # Units, periods and scopes are PROTECTed against deletion while anything points at them,
    # so the rows that point go first and the tree links are cut; the organization's cascade
    # then takes the rest.
    for model in (
        CheckIn, Measurement, Target, Milestone, Alignment, Initiative, KeyResult, Objective,
        Indicator, ResultArea, AuditEvent,
    ):  # fmt: skip
        model.objects.filter(organization_id=org).delete()
    Unit.objects.filter(organization_id=org).update(parent=None, head=None)
    Period.objects.filter(organization_id=org).update(parent=None)
    Person.objects.filter(organization_id=org).update(manager=None)
    organization.delete()
    get_user_model().objects.filter(
        pk__in=user_ids, username__endswith=f"@{DOMAIN}", people__isnull=True
    ).delete()
    return True
