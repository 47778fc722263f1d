"""Health checks (DESIGN §4): the seeds' "common mistakes" made executable.

Pure functions over a `Goals` value, so the database, the goals file and `headway check` report
the same findings in the same order. HW014 (pay-only) needs review data and comes later.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

from headway.core.evaluate import kr_direction
from headway.core.model import (
    FREQUENCY_DAYS,
    ORG_SCOPE,
    Direction,
    Goals,
    Indicator,
    KeyResult,
    KRKind,
    Objective,
    Person,
    ProgressSource,
    ResultArea,
    Rollup,
    Severity,
    Target,
)


@dataclass(frozen=True)
class Finding:
    """One broken rule on one object, worded for the person who has to fix it."""

    code: str  # "HW006"
    name: str  # "stale"
    severity: Severity
    object: str  # "key_result:kr-nps", "scope:unit:Support", "person:ana@acme.test", ...
    message: str
    hint: str


@dataclass(frozen=True)
class CheckSettings:
    """The thresholds of DESIGN §4; an organization may tune them or switch rules off."""

    max_kras_warning: int = 5
    max_kras_error: int = 7
    min_key_results: int = 2
    max_key_results: int = 5
    stale_days: int = 14
    stale_indicator_factor: Fraction = Fraction(3, 2)
    max_objectives_per_owner: int = 5
    weights_total: int = 100
    disabled: frozenset[str] = frozenset()  # codes switched off

    def __post_init__(self) -> None:
        # Settings come from an organization's configuration: a contradiction fails loudly.
        if self.max_kras_error < self.max_kras_warning:
            raise ValueError("max_kras_error must be at least max_kras_warning")
        if not 0 <= self.min_key_results <= self.max_key_results:
            raise ValueError("min_key_results must be between 0 and max_key_results")
        if self.stale_days < 0 or self.stale_indicator_factor <= 0:
            raise ValueError("stale_days must be >= 0 and stale_indicator_factor > 0")
        if self.max_kras_warning < 0 or self.max_objectives_per_owner < 0:
            raise ValueError("limits cannot be negative")


RULES: dict[str, tuple[str, str]] = {
    "HW001": (
        "too-many-kras",
        "A scope has more than 5 active KRAs (warning) or more than 7 (error).",
    ),
    "HW002": ("kr-count", "An objective has fewer than 2 or more than 5 key results."),
    "HW003": ("no-owner", "A KRA, KPI, objective or key result has no owner, or an unknown one."),
    "HW004": (
        "unmeasurable",
        "A key result without a numeric start and target, or vaguely worded with no number; "
        "or a KRA with no KPI and no objective.",
    ),
    "HW005": ("activity-not-outcome", "A key result worded as a task: that is an initiative."),
    "HW006": (
        "stale",
        "No check-in for 14 days in an active period; a KPI not measured for 1.5 times its frequency.",
    ),
    "HW007": ("unlinked", "An objective or KRA below the organization with no link upward."),
    "HW008": ("unreviewed", "A KRA not reviewed within its review cadence."),
    "HW009": ("no-baseline", "A key result with no start value, or no confidence at the start."),
    "HW010": ("weights", "The active KRAs' weights in a scope do not sum to 100."),
    "HW011": (
        "not-time-bound",
        "An objective with no period, or a key result due after its period ends.",
    ),
    "HW012": ("kpi-no-target", "A KPI with no target for the period running today."),
    "HW013": ("too-many-objectives", "An owner has more than 5 objectives in one period."),
    "HW015": (
        "drifted",
        "A KRA whose parent KRA changed or was retired after the KRA was last reviewed.",
    ),
}

# Words that promise a direction without a number (HW004), matched anywhere in a key result's
# title that has no digit in it.
VAGUE_WORDS: tuple[str, ...] = (
    "improve",
    "improved",
    "improving",
    "better",
    "maximize",
    "maximise",
    "minimize",
    "minimise",
    "optimize",
    "optimise",
    "enhance",
    "strengthen",
    "ensure",
    "best",
    "best-in-class",
    "world-class",
    "world class",
    "excellent",
    "significantly",
    "as much as possible",
    "asap",
)
# Vague only as the title's first verb: "Support the sales team", not "Cut support tickets".
VAGUE_LEADING_WORDS: tuple[str, ...] = (
    "support",
    "help",
    "assist",
    "work on",
    "focus on",
    "contribute to",
)
# Verbs that make a key result a task (HW005) when they open its title.
TASK_VERBS: tuple[str, ...] = (
    "launch",
    "hold",
    "create",
    "implement",
    "write",
    "organize",
    "organise",
    "build",
    "develop",
    "design",
    "hire",
    "conduct",
    "run",
    "host",
    "plan",
    "prepare",
    "publish",
    "deploy",
    "migrate",
    "set up",
    "roll out",
    "complete",
    "finish",
    "deliver",
    "attend",
    "schedule",
    "draft",
    "introduce",
    "start",
    "kick off",
    "establish",
    "define",
)
# Words skipped before a title's first verb: "We will launch ..." opens with "launch".
LEADING_FILLER: tuple[str, ...] = (
    "we",
    "i",
    "will",
    "shall",
    "must",
    "should",
    "to",
    "successfully",
    "fully",
    "finally",
)
_IRREGULAR = {
    "build": ("built",),
    "hold": ("held",),
    "run": ("ran",),
    "write": ("wrote", "written"),
}

_UNCHECKED_OBJECTIVE_STATES = frozenset({"cancelled"})
_SOURCES_WITHOUT_NUMBERS = frozenset({ProgressSource.CHILDREN, ProgressSource.MILESTONES})
_KINDS_WITHOUT_NUMBERS = frozenset({KRKind.BOOLEAN, KRKind.MILESTONES})
_NUMERIC_KINDS = frozenset({KRKind.NUMBER, KRKind.PERCENT, KRKind.CURRENCY})
_MOVING = frozenset({Direction.INCREASE, Direction.DECREASE})


def _word_pattern(words: Sequence[str], *, leading: bool) -> re.Pattern[str]:
    """Whole words only, a hyphen counting as part of a word: "run-rate" is not "run"."""
    alternatives = "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )
    start = "^" if leading else r"(?<![\w-])"
    return re.compile(rf"{start}({alternatives})(?![\w-])", re.IGNORECASE)


def _verb_forms(verb: str) -> dict[str, str]:
    """Inflected forms of a (phrasal) verb, each mapped back to the verb: "setting up" -> "set up"."""
    head, _, rest = verb.partition(" ")
    forms = {head, head + "s", head + "es", head + "ed", *_IRREGULAR.get(head, ())}
    if head.endswith("e"):
        forms |= {head + "d", head[:-1] + "ing"}
    else:
        forms.add(head + "ing")
    short_closed = (
        len(head) <= 4
        and head[-1] not in "aeiouwxy"
        and head[-2] in "aeiou"
        and head[-3:-2] not in ("a", "e", "i", "o", "u")
    )
    if short_closed:  # run -> running, plan -> planned
        forms |= {head + head[-1] + "ing", head + head[-1] + "ed"}
    tail = f" {rest}" if rest else ""
    return {form + tail: verb for form in forms}


_TASK_FORMS = {form: verb for v in TASK_VERBS for form, verb in _verb_forms(v).items()}
_TASK_PATTERN = _word_pattern(list(_TASK_FORMS), leading=True)
_VAGUE_PATTERN = _word_pattern(VAGUE_WORDS, leading=False)
_VAGUE_LEADING_PATTERN = _word_pattern(VAGUE_LEADING_WORDS, leading=True)
_FILLER_PATTERN = _word_pattern(LEADING_FILLER, leading=True)
_PREFIX_PATTERN = re.compile(r"^(?:[-*•·]+|(?:kr\s*)?\d+\s*[:.)]|kr\s*:)\s*", re.IGNORECASE)


def _opening(title: str) -> str:
    """The title from its first verb on: list markers and "we will" removed, lower case."""
    text = " ".join(title.split()).lower()
    text = _PREFIX_PATTERN.sub("", text)
    while match := _FILLER_PATTERN.match(text):
        text = text[match.end() :].lstrip(" ,")
    return text


def task_verb(title: str) -> str | None:
    """The task verb a key result's title opens with ("launch"), or None for an outcome."""
    match = _TASK_PATTERN.match(_opening(title))
    return _TASK_FORMS[" ".join(match.group(1).split())] if match else None


def vague_word(title: str) -> str | None:
    """The vague word in a title that has no number in it, or None."""
    if any(ch.isdigit() for ch in title):
        return None
    match = _VAGUE_LEADING_PATTERN.match(_opening(title)) or _VAGUE_PATTERN.search(title)
    return " ".join(match.group(1).lower().split()) if match else None


# -- small helpers -----------------------------------------------------------------------------


def _q(text: str) -> str:
    """A title or name in quotes, on one line."""
    return '"' + " ".join(text.split()) + '"'


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _num(value: Fraction | int) -> str:
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def _email_key(email: str) -> str:
    return email.strip().casefold()


def _blank(owner: str | None) -> bool:
    return owner is None or not owner.strip()


def _target_set(target: Target | None) -> bool:
    return target is not None and not (
        target.value is None and target.lower is None and target.upper is None
    )


# -- the checks --------------------------------------------------------------------------------


class _Checker:
    """Indexes over one `Goals` value that several rules share, and the rules themselves."""

    def __init__(self, goals: Goals, settings: CheckSettings) -> None:
        self.goals = goals
        self.settings = settings
        self.today = goals.today
        self.periods = {p.id: p for p in goals.periods}
        self.areas = {a.id: a for a in goals.result_areas}
        self.people = {_email_key(p.email): p for p in goals.people}
        self.active_areas = [a for a in goals.result_areas if a.state == "active"]
        self.objectives = [
            o for o in goals.objectives if o.state not in _UNCHECKED_OBJECTIVE_STATES
        ]
        self.key_results = [
            (o, kr) for o in self.objectives for kr in o.key_results if not kr.cancelled
        ]
        self.objective_ids = {o.id for o in goals.objectives}
        self.key_result_ids = {kr.id for o in goals.objectives for kr in o.key_results}
        self.scopes: dict[str, list[ResultArea]] = {}
        for area in self.active_areas:
            self.scopes.setdefault(area.scope, []).append(area)

    # -- objects -------------------------------------------------------------------------------
    def owners(self) -> dict[str, str]:
        """Person key -> the email as shown, for every owner HW013 counts objectives of."""
        keys: dict[str, str] = {}
        for objective in self.objectives:
            if _blank(objective.owner) or objective.period is None:
                continue
            assert objective.owner is not None
            person = self.people.get(_email_key(objective.owner))
            email = person.email if person else objective.owner.strip()
            keys.setdefault(_email_key(email), email)
        return keys

    def object_keys(self) -> list[str]:
        keys = [f"scope:{scope}" for scope in self.scopes]
        keys += [f"result_area:{a.id}" for a in self.active_areas]
        keys += [f"indicator:{i.id}" for i in self.goals.indicators]
        for objective in self.objectives:
            keys.append(f"objective:{objective.id}")
            keys += [f"key_result:{kr.id}" for kr in objective.key_results if not kr.cancelled]
        keys += [f"person:{email}" for email in self.owners().values()]
        return list(dict.fromkeys(keys))

    def finding(self, code: str, severity: Severity, obj: str, message: str, hint: str) -> Finding:
        return Finding(code, RULES[code][0], severity, obj, message, hint)

    def children(self, objective_id: str) -> list[Objective]:
        return [
            child
            for child in self.objectives
            if any(link.parent_objective == objective_id for link in child.aligns_to)
        ]

    def person_label(self, email: str) -> str:
        person = self.people.get(_email_key(email))
        return f"{person.name} ({person.email})" if person else email

    # -- HW001 ---------------------------------------------------------------------------------
    def hw001(self) -> Iterator[Finding]:
        s = self.settings
        for scope, areas in self.scopes.items():
            count = len(areas)
            if count > s.max_kras_error:
                severity, limit = Severity.ERROR, s.max_kras_error
            elif count > s.max_kras_warning:
                severity, limit = Severity.WARNING, s.max_kras_warning
            else:
                continue
            yield self.finding(
                "HW001",
                severity,
                f"scope:{scope}",
                f"Scope {_q(scope)} has {count} active KRAs (more than {limit}): focus scatters.",
                f"Keep the vital few (at most {s.max_kras_warning}): merge overlapping KRAs "
                "or retire the ones that are not vital.",
            )

    # -- HW002 ---------------------------------------------------------------------------------
    def hw002(self) -> Iterator[Finding]:
        s = self.settings
        for objective in self.objectives:
            count = sum(1 for kr in objective.key_results if not kr.cancelled)
            title = _q(objective.title)
            if count > s.max_key_results:
                message = (
                    f"Objective {title} has {count} key results (more than {s.max_key_results}): "
                    "too many to focus on."
                )
                hint = (
                    f"Keep the {s.max_key_results} that best show the objective is met; "
                    "move the rest to another objective or drop them."
                )
            elif count < s.min_key_results:
                if objective.rollup == Rollup.CHILDREN:
                    if self.children(objective.id):
                        continue  # measured by the objectives aligned to it
                    message = (
                        f"Objective {title} is rolled up from aligned objectives, but none "
                        f"aligns to it and it has {_plural(count, 'key result')}."
                    )
                else:
                    message = (
                        f"Objective {title} has {_plural(count, 'key result')} "
                        f"(fewer than {s.min_key_results}): too little shows whether it is met."
                    )
                hint = (
                    f"Give it {s.min_key_results} to {s.max_key_results} measurable outcomes "
                    "that together show the objective is met."
                )
            else:
                continue
            yield self.finding(
                "HW002", Severity.WARNING, f"objective:{objective.id}", message, hint
            )

    # -- HW003 ---------------------------------------------------------------------------------
    def _owner_problem(self, owner: str | None) -> tuple[str, str] | None:
        """(what is wrong, how to fix it) with an owner, or None when the owner is a real person."""
        if owner is None or not owner.strip():
            return "has no owner", "Name the one person accountable for it."
        if not self.people:
            return None  # nobody listed: the owner cannot be checked against anyone
        person: Person | None = self.people.get(_email_key(owner))
        if person is None:
            return (
                f"is owned by {owner.strip()}, who is not among the organization's people",
                f"Add {owner.strip()} to the people, or hand it to someone who is.",
            )
        if not person.active:
            return (
                f"is owned by {person.name} ({person.email}), who is no longer active",
                "Hand it to an active person.",
            )
        return None

    def hw003(self) -> Iterator[Finding]:
        things: list[tuple[str, str, str | None]] = [
            (f"result_area:{a.id}", f"KRA {_q(a.name)}", a.owner) for a in self.active_areas
        ]
        things += [
            (f"indicator:{i.id}", f"KPI {_q(i.name)}", i.owner) for i in self.goals.indicators
        ]
        for objective in self.objectives:
            things.append(
                (f"objective:{objective.id}", f"Objective {_q(objective.title)}", objective.owner)
            )
            # A key result with no owner of its own is its objective owner's: not a finding.
            things += [
                (f"key_result:{kr.id}", f"Key result {_q(kr.title)}", kr.owner)
                for kr in objective.key_results
                if not kr.cancelled and not _blank(kr.owner)
            ]
        for key, label, owner in things:
            problem = self._owner_problem(owner)
            if problem:
                what, hint = problem
                yield self.finding("HW003", Severity.ERROR, key, f"{label} {what}.", hint)

    # -- HW004 ---------------------------------------------------------------------------------
    def hw004(self) -> Iterator[Finding]:
        for area in self.active_areas:
            measured = any(i.result_area == area.id for i in self.goals.indicators) or any(
                o.result_area == area.id for o in self.objectives
            )
            if not measured:
                yield self.finding(
                    "HW004",
                    Severity.WARNING,
                    f"result_area:{area.id}",
                    f"KRA {_q(area.name)} has no KPI and no objective linked to it: "
                    "nothing measures it.",
                    "Link a KPI that tracks it, or file an objective under it.",
                )
        for _, kr in self.key_results:
            reasons = []
            missing = _missing_numbers(kr)
            if missing:
                reasons.append(f"has no numeric {missing}")
            word = vague_word(kr.title)
            if word:
                reasons.append(f'is worded vaguely ("{word}") with no number in it')
            if reasons:
                yield self.finding(
                    "HW004",
                    Severity.ERROR,
                    f"key_result:{kr.id}",
                    f"Key result {_q(kr.title)} {' and '.join(reasons)}: "
                    "progress cannot be measured.",
                    "Say which number moves from where to where, in its fields and its title "
                    '(e.g. "Reduce churn from 8% to 5%").',
                )

    # -- HW005 ---------------------------------------------------------------------------------
    def hw005(self) -> Iterator[Finding]:
        for _, kr in self.key_results:
            verb = task_verb(kr.title)
            if verb:
                yield self.finding(
                    "HW005",
                    Severity.WARNING,
                    f"key_result:{kr.id}",
                    f'Key result {_q(kr.title)} is worded as a task ("{verb}"): '
                    "that is an initiative.",
                    "Turn it into the outcome the task should move, and track the task "
                    "as an initiative.",
                )

    # -- HW006 ---------------------------------------------------------------------------------
    def hw006(self) -> Iterator[Finding]:
        limit = self.settings.stale_days
        for objective, kr in self.key_results:
            period = self.periods.get(objective.period or "")
            if (
                period is None
                or period.state_on(self.today) != "active"
                or objective.state == "closed"
                or kr.source != ProgressSource.CHECK_INS
                or (kr.kind == KRKind.BOOLEAN and kr.done)
            ):
                continue
            dates = [c.date for c in kr.check_ins if c.date <= self.today]
            if dates:
                last = max(dates)
                age = (self.today - last).days
                message = (
                    f"Key result {_q(kr.title)} has had no check-in for {age} days "
                    f"(last on {last.isoformat()}; more than {limit})."
                )
            else:
                age = (self.today - period.start).days
                message = (
                    f"Key result {_q(kr.title)} has no check-in yet, {age} days into "
                    f"period {_q(period.id)} (more than {limit})."
                )
            if age > limit:
                yield self.finding(
                    "HW006",
                    Severity.WARNING,
                    f"key_result:{kr.id}",
                    message,
                    "Record a check-in with the current value and your confidence; "
                    "a weekly check-in keeps the numbers honest.",
                )
        for indicator in self.goals.indicators:
            finding = self._stale_indicator(indicator)
            if finding:
                yield finding

    def _stale_indicator(self, indicator: Indicator) -> Finding | None:
        allowed = self.settings.stale_indicator_factor * FREQUENCY_DAYS[indicator.frequency]
        dates = [m.date for m in indicator.measurements if m.date <= self.today]
        hint = "Record its latest value, or connect it to a source that records it on schedule."
        if not dates:
            message = f"KPI {_q(indicator.name)} has never been measured."
        else:
            last = max(dates)
            age = (self.today - last).days
            if age <= allowed:
                return None
            message = (
                f"KPI {_q(indicator.name)} was last measured {age} days ago, on "
                f"{last.isoformat()} (more than {_num(allowed)} for a KPI measured every "
                f"{indicator.frequency})."
            )
        return self.finding("HW006", Severity.WARNING, f"indicator:{indicator.id}", message, hint)

    # -- HW007 ---------------------------------------------------------------------------------
    def hw007(self) -> Iterator[Finding]:
        for objective in self.objectives:
            if objective.scope == ORG_SCOPE:
                continue
            linked = objective.result_area in self.areas or any(
                link.parent_objective in self.objective_ids
                or link.parent_key_result in self.key_result_ids
                for link in objective.aligns_to
            )
            if linked:
                continue
            dangling = bool(objective.aligns_to) or objective.result_area is not None
            yield self.finding(
                "HW007",
                Severity.WARNING,
                f"objective:{objective.id}",
                f"Objective {_q(objective.title)} ({objective.scope}) has no link upward"
                + (" (its links name nothing that exists)" if dangling else "")
                + ": it aligns to no objective or key result and files under no KRA.",
                "Align it to the objective or key result it serves, or file it under a KRA.",
            )
        for area in self.active_areas:
            if area.scope == ORG_SCOPE or area.parent in self.areas:
                continue
            missing = f" (its parent {_q(area.parent)} does not exist)" if area.parent else ""
            yield self.finding(
                "HW007",
                Severity.WARNING,
                f"result_area:{area.id}",
                f"KRA {_q(area.name)} ({area.scope}) ladders up to no KRA of a higher "
                f"scope{missing}: no line of sight.",
                "Name the KRA of the higher scope it ladders up to.",
            )

    # -- HW008 ---------------------------------------------------------------------------------
    def hw008(self) -> Iterator[Finding]:
        for area in self.active_areas:
            cadence = area.review_cadence_days
            if area.last_reviewed is None:
                message = f"KRA {_q(area.name)} has never been reviewed."
            else:
                age = (self.today - area.last_reviewed).days
                if age <= cadence:
                    continue
                message = (
                    f"KRA {_q(area.name)} was last reviewed {age} days ago, on "
                    f"{area.last_reviewed.isoformat()} (its cadence is {cadence} days)."
                )
            yield self.finding(
                "HW008",
                Severity.WARNING,
                f"result_area:{area.id}",
                message,
                "Review it (is it still vital, measured and owned?) and record the review date.",
            )

    # -- HW009 ---------------------------------------------------------------------------------
    def hw009(self) -> Iterator[Finding]:
        for _, kr in self.key_results:
            gaps = []
            if (
                kr.kind in _NUMERIC_KINDS
                and kr.source not in _SOURCES_WITHOUT_NUMBERS
                and kr_direction(kr) in _MOVING
                and kr.start is None
            ):
                gaps.append("no start value")
            if kr.confidence_start is None:
                gaps.append("no confidence recorded at the start")
            if gaps:
                yield self.finding(
                    "HW009",
                    Severity.WARNING,
                    f"key_result:{kr.id}",
                    f"Key result {_q(kr.title)} has {' and '.join(gaps)}: it has no baseline.",
                    "Record where the number stood when the period began and the owner's "
                    "confidence (0-10) in reaching the target.",
                )

    # -- HW010 ---------------------------------------------------------------------------------
    def hw010(self) -> Iterator[Finding]:
        total_wanted = self.settings.weights_total
        for scope, areas in self.scopes.items():
            unweighted = [a for a in areas if a.weight is None]
            if unweighted:
                names = ", ".join(_q(a.name) for a in unweighted)
                message = (
                    f"Scope {_q(scope)}: {len(unweighted)} of its {_plural(len(areas), 'active KRA')} "
                    f"{'has' if len(unweighted) == 1 else 'have'} no weight ({names})."
                )
            else:
                total = sum((Fraction(a.weight or 0) for a in areas), Fraction(0))
                if total == total_wanted:
                    continue
                message = (
                    f"Scope {_q(scope)}: the weights of its {_plural(len(areas), 'active KRA')} "
                    f"sum to {_num(total)}, not {total_wanted}."
                )
            yield self.finding(
                "HW010",
                Severity.WARNING,
                f"scope:{scope}",
                message,
                f"Weigh each KRA by its share of the scope so that together they make "
                f"{total_wanted}.",
            )

    # -- HW011 ---------------------------------------------------------------------------------
    def hw011(self) -> Iterator[Finding]:
        for objective in self.objectives:
            title = _q(objective.title)
            if objective.period is None:
                message = f"Objective {title} has no period: it is not time-bound."
            elif objective.period not in self.periods:
                message = (
                    f"Objective {title} is in period {_q(objective.period)}, which does not "
                    "exist: it is not time-bound."
                )
            else:
                continue
            yield self.finding(
                "HW011",
                Severity.ERROR,
                f"objective:{objective.id}",
                message,
                "Put it in a period (a quarter or a year) so that it has a deadline.",
            )
        for objective, kr in self.key_results:
            period = self.periods.get(objective.period or "")
            if period is None or kr.due is None or kr.due <= period.end:
                continue
            yield self.finding(
                "HW011",
                Severity.ERROR,
                f"key_result:{kr.id}",
                f"Key result {_q(kr.title)} is due {kr.due.isoformat()}, after its objective's "
                f"period {_q(period.id)} ends ({period.end.isoformat()}).",
                "Move the due date inside the period, or carry the key result into the next one.",
            )

    # -- HW012 ---------------------------------------------------------------------------------
    def hw012(self) -> Iterator[Finding]:
        running = sorted(
            (p for p in self.goals.periods if p.contains(self.today)),
            key=lambda p: (p.end - p.start).days,
        )
        if not running:
            return
        names = " or ".join(_q(p.id) for p in running)
        which = "the period running today" if len(running) == 1 else "the periods running today"
        for indicator in self.goals.indicators:
            if any(_target_set(indicator.targets.get(p.id)) for p in running):
                continue
            yield self.finding(
                "HW012",
                Severity.WARNING,
                f"indicator:{indicator.id}",
                f"KPI {_q(indicator.name)} has no target for {names}, {which}.",
                "Set a target for the current period so that its status can read red, "
                "amber or green.",
            )

    # -- HW013 ---------------------------------------------------------------------------------
    def hw013(self) -> Iterator[Finding]:
        limit = self.settings.max_objectives_per_owner
        owners = self.owners()
        counts: dict[tuple[str, str], int] = {}
        for objective in self.objectives:
            if _blank(objective.owner) or objective.period is None:
                continue
            assert objective.owner is not None
            key = (_email_key(objective.owner), objective.period)
            counts[key] = counts.get(key, 0) + 1
        for (owner, period_id), count in counts.items():
            if count <= limit:
                continue
            email = owners[owner]
            yield self.finding(
                "HW013",
                Severity.WARNING,
                f"person:{email}",
                f"{self.person_label(email)} owns {count} objectives in period {_q(period_id)} "
                f"(more than {limit}): too many to focus on.",
                f"Keep at most {limit}: hand some to others, merge them, or move them to a "
                "later period.",
            )

    # -- HW015 ---------------------------------------------------------------------------------
    def hw015(self) -> Iterator[Finding]:
        for area in self.active_areas:
            parent = self.areas.get(area.parent or "")
            if parent is None:
                continue  # no parent, or a missing one: HW007's business
            name, parent_name = _q(area.name), _q(parent.name)
            if parent.state == "retired":
                message = f"KRA {name} ladders up to KRA {parent_name}, which was retired."
                hint = "Link it to a live KRA of the higher scope, or retire it too."
            elif parent.changed is not None and (
                area.last_reviewed is None or parent.changed > area.last_reviewed
            ):
                since = (
                    f"after this KRA was last reviewed ({area.last_reviewed.isoformat()})"
                    if area.last_reviewed
                    else "and this KRA has never been reviewed"
                )
                message = (
                    f"KRA {name} ladders up to KRA {parent_name}, which changed on "
                    f"{parent.changed.isoformat()}, {since}."
                )
                hint = "Review it against its parent's new definition and record the review."
            else:
                continue
            yield self.finding("HW015", Severity.WARNING, f"result_area:{area.id}", message, hint)

    def rules(self) -> dict[str, Callable[[], Iterator[Finding]]]:
        return {
            "HW001": self.hw001,
            "HW002": self.hw002,
            "HW003": self.hw003,
            "HW004": self.hw004,
            "HW005": self.hw005,
            "HW006": self.hw006,
            "HW007": self.hw007,
            "HW008": self.hw008,
            "HW009": self.hw009,
            "HW010": self.hw010,
            "HW011": self.hw011,
            "HW012": self.hw012,
            "HW013": self.hw013,
            "HW015": self.hw015,
        }


def _missing_numbers(kr: KeyResult) -> str | None:
    """Which numbers a numeric key result lacks ("start", "target", ...), or None."""
    if kr.kind in _KINDS_WITHOUT_NUMBERS or kr.source in _SOURCES_WITHOUT_NUMBERS:
        return None
    direction = kr_direction(kr)
    if direction == Direction.WITHIN:
        wanted = {"lower bound": kr.lower, "upper bound": kr.upper}
    elif direction in _MOVING:
        wanted = {"start": kr.start, "target": kr.target}
    else:
        wanted = {"target": kr.target}
    missing = [name for name, value in wanted.items() if value is None]
    return " or ".join(missing) if missing else None


def run_checks(
    goals: Goals, settings: CheckSettings = CheckSettings(), *, codes: Collection[str] | None = None
) -> list[Finding]:
    """Every finding on `goals` (of the rules `codes` only, when given), by code and then by
    the object's place in the goals value."""
    checker = _Checker(goals, settings)
    order = {key: index for index, key in enumerate(checker.object_keys())}
    findings = [
        finding
        for code, rule in checker.rules().items()
        if code not in settings.disabled and (codes is None or code in codes)
        for finding in rule()
    ]
    return sorted(findings, key=lambda f: (f.code, order.get(f.object, len(order))))


def checked_objects(goals: Goals) -> list[str]:
    """The object keys the checks look at: the health score's denominator.

    Scopes with active KRAs, active KRAs, KPIs, objectives and key results that are not
    cancelled, and the people who own objectives (HW013 reports on them).
    """
    return _Checker(goals, CheckSettings()).object_keys()


def health_score(goals: Goals, findings: Sequence[Finding]) -> Fraction | None:
    """Share of checked objects with no warning or error; None when nothing was checked."""
    checked = checked_objects(goals)
    if not checked:
        return None
    flagged = {f.object for f in findings if f.severity in (Severity.WARNING, Severity.ERROR)}
    return Fraction(sum(1 for key in checked if key not in flagged), len(checked))
