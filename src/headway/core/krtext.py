"""Read a key result's title into numbers: metric, direction, start, target and unit.

People write "Reduce churn from 8% to 5% by Q4", "Grow ARR to $2M" or "Keep uptime at or above
99.9%"; forms and the goals file use this reading to prefill a key result (DESIGN §3.1, §6).
The text is cleaned, dates are cut out, and the rest becomes tokens: numbers carry their unit and
the words after them, everything else is a lower-cased word. A few clause patterns over those
token shapes ("from Q to Q", "at least Q", "between Q and Q", ...) then say what the numbers mean.
When a title could be read two ways the parser refuses, in plain words, rather than guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum
from fractions import Fraction

from headway.core.model import Direction, KRKind


class KeyResultParseError(ValueError):
    """The title is not one clear, measurable key result; the message says why in plain words."""


@dataclass(frozen=True)
class ParsedKeyResult:
    """What a title says, in the terms of `KeyResult`; `target` is the bound of at_least/at_most."""

    metric: str
    direction: Direction
    start: Fraction | None
    target: Fraction | None
    lower: Fraction | None
    upper: Fraction | None
    unit: str
    kind: KRKind


# --- vocabulary ------------------------------------------------------------------------------


class _Sense(Enum):
    UP = "up"
    DOWN = "down"
    REACH = "reach"  # up, and a bare number after it is an absolute target ("Reach 1,000 users")
    NEUTRAL = "neutral"  # the numbers decide ("Improve response time from 2 hours to 30 minutes")
    HOLD = "hold"  # a level to keep, never a change
    CAP = "cap"  # down, and "to X" / "at X" is a ceiling
    NONE = "none"


def _senses(sense: _Sense, words: str) -> dict[str, tuple[_Sense, Fraction | None]]:
    return dict.fromkeys(words.split(), (sense, None))


_VERBS: dict[str, tuple[_Sense, Fraction | None]] = {
    **_senses(_Sense.UP, "increase grow raise boost lift expand scale maximize maximise add"),
    **_senses(
        _Sense.REACH,
        "reach hit achieve attain sign close win acquire onboard land book secure generate "
        "deliver ship launch hire recruit complete publish",
    ),
    **_senses(
        _Sense.DOWN,
        "reduce decrease cut lower drop shrink decline minimize minimise trim slash lessen shorten",
    ),
    **_senses(
        _Sense.NEUTRAL, "improve move change get take bring shift go optimize optimise adjust drive"
    ),
    **_senses(_Sense.HOLD, "keep maintain stay hold sustain remain ensure preserve protect"),
    **_senses(_Sense.CAP, "cap limit"),
    "double": (_Sense.UP, Fraction(2)),
    "triple": (_Sense.UP, Fraction(3)),
    "quadruple": (_Sense.UP, Fraction(4)),
    "halve": (_Sense.DOWN, Fraction(1, 2)),
}

_CURRENCY_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "₹": "INR", "¥": "JPY"}
_CURRENCIES = frozenset({"USD", "EUR", "GBP", "INR", "JPY", "CAD", "AUD", "CHF", "CNY", "SGD"})
_SCALES = {
    "k": 10**3,
    "thousand": 10**3,
    "m": 10**6,
    "mm": 10**6,
    "mn": 10**6,
    "million": 10**6,
    "b": 10**9,
    "bn": 10**9,
    "billion": 10**9,
    "trillion": 10**12,
    "lakh": 10**5,
    "lakhs": 10**5,
    "crore": 10**7,
    "crores": 10**7,
}

# Units whose values convert into each other: (family, size in the family's smallest terms).
_CONVERTIBLE: dict[str, tuple[str, Fraction]] = {
    "milliseconds": ("time", Fraction(1, 1000)),
    "seconds": ("time", Fraction(1)),
    "minutes": ("time", Fraction(60)),
    "hours": ("time", Fraction(3600)),
    "days": ("time", Fraction(86400)),
    "weeks": ("time", Fraction(604800)),
    "months": ("calendar", Fraction(1)),
    "quarters": ("calendar", Fraction(3)),
    "years": ("calendar", Fraction(12)),
}


def _unit_words(unit: str, words: str) -> dict[str, str]:
    return dict.fromkeys(words.split(), unit)


# Words after a number that name its unit; "pp" (percentage points) is "%" as a value but an
# absolute step as a change.
_UNIT_WORDS: dict[str, str] = {
    **_unit_words("%", "% percent pct per_cent"),
    **_unit_words("pp", "pp ppt ppts percentage_points percentage_point"),
    **_unit_words("points", "points point pts pt"),
    **_unit_words("USD", "usd dollars dollar bucks"),
    **_unit_words("EUR", "eur euros euro"),
    **_unit_words("GBP", "gbp sterling pounds_sterling"),
    **_unit_words("INR", "inr rupees rupee"),
    **_unit_words("JPY", "jpy yen"),
    **{code.lower(): code for code in _CURRENCIES},
    **_unit_words("milliseconds", "ms msec msecs millisecond milliseconds"),
    **_unit_words("seconds", "s sec secs second seconds"),
    **_unit_words("minutes", "min mins minute minutes"),
    **_unit_words("hours", "h hr hrs hour hours"),
    **_unit_words("days", "d day days"),
    **_unit_words("weeks", "wk wks week weeks"),
    **_unit_words("months", "mo mos month months"),
    **_unit_words("quarters", "quarter quarters"),
    **_unit_words("years", "yr yrs year years"),
}

# Words that end the run of words after a number: what follows belongs to the sentence.
_STOP = frozenset(
    [
        "to",
        "from",
        "and",
        "or",
        "by",
        "at",
        "in",
        "on",
        "for",
        "among",
        "across",
        "with",
        "within",
        "than",
        "while",
        "when",
        "where",
        "via",
        "through",
        "over",
        "under",
        "above",
        "below",
        "after",
        "before",
        "until",
        "during",
        "each",
        "every",
        "versus",
        "vs",
        "against",
        "but",
        "so",
        "then",
        "as",
        "of",
        "down",
        "up",
        "the",
        "this",
        "next",
        "minimum",
        "maximum",
        "max",
    ]
)

# --- cleaning and dates ----------------------------------------------------------------------

_ARROW = re.compile(r"\s*(?:-{1,2}>|={1,2}>|[–—]>|[→⟶➔➜⇒⮕])\s*")
_LEADER = re.compile(r"^\s*(?:[-*•]\s+|KR\s*\d+\s*[:.)-]\s*|\d+[.)]\s+)", re.I)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_YEAR = r"(?:19|20)\d{2}"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?\b"
# Dates that would otherwise read as numbers: cut out wherever they stand.
_STRONG_DATE = "|".join(
    [
        r"(?<![\w.])\d{4}-\d{1,2}-\d{1,2}\b",
        r"(?<![\w.])\d{1,2}/\d{1,2}/\d{2,4}\b",
        r"(?<![\w.])\d{1,2}\.\d{1,2}\.\d{4}\b",
        rf"\b{_MONTH}\s+{_DAY}(?:,?\s*{_YEAR}\b)?(?!\s*%)",
        rf"(?<![\w.]){_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s*{_YEAR}\b)?",
        rf"\b{_MONTH},?\s+{_YEAR}\b",
        r"\b[QH][1-4]\s*(?:['’]|[-/]\s*|\s*FY\s*)\d{2}\b",
        rf"\b[QH][1-4]\s*[-/]?\s*(?:FY\s*)?{_YEAR}\b",
        rf"(?<![\w.]){_YEAR}\s*[-/]?\s*[QH][1-4]\b",
        r"\bFY\s*['’]?\d{2}(?:\d{2})?\b",
        r"\b(?:this|next|the\s+next|the\s+coming|the\s+current|the\s+same)\s+(?:fiscal\s+)?"
        r"(?:year|quarter|month|half|week|sprint|cycle|period)\b",
        r"\b(?:EOY|EOQ|EOM|EOW)\b",
    ]
)
_JOINERS = r"(?:and|or|with|while|so|but|then|from|to|in|at|for|by)"
# Dates that are only dates after "by", "in", "end of" ...: "by 2027" but "reach 2026 users".
_WEAK_DATE = "|".join(
    [
        # a year followed by a word is a count ("in 2000 stores"), unless the word joins clauses
        rf"{_YEAR}(?![\d.,]?\d)(?!\s*(?:%|(?!{_JOINERS}\b)[^\W\d_]))",
        rf"{_MONTH}(?!\w)",
        r"[QH][1-4]\b",
        r"(?:year|quarter|month)[-\s]end\b",
        r"(?:the\s+)?(?:year|quarter|month|half|week|sprint)(?![-\w])",
    ]
)
_PREP = r"(?:by|in|before|until|till|through|thru|during|for|after|as\s+of|no\s+later\s+than)"
_END_OF = r"(?:(?:the\s+)?(?:end|start|beginning|middle|close)\s+of\s+(?:the\s+)?)"
_LEAD = rf"(?:{_END_OF}|(?:early|mid|late)[-\s]?|the\s+)"
_DATE = re.compile(
    rf"(?:\b{_PREP}\s+{_LEAD}?|\b(?:at\s+)?{_END_OF}|\bon\s+)?(?:{_STRONG_DATE})"
    rf"|(?:\b{_PREP}\s+{_LEAD}?|\b(?:at\s+)?{_END_OF})(?:{_WEAK_DATE})",
    re.I,
)

# --- tokens ----------------------------------------------------------------------------------

_QUANTITY = r"""
    (?<![\w.])
    (?P<cur>US\$|[$€£₹¥]|(?:USD|EUR|GBP|INR|JPY|Rs\.?)\ ?)?
    (?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    (?!\d)(?!-[^\W\d_])(?!(?:st|nd|rd|th)\b)
    (?:(?P<letter>mm|bn|mn|[kmb])(?![^\W\d_])
      |\ ?(?P<scale>thousand|million|billion|trillion|lakhs?|crores?|bn|mn)\b)?
    (?:\ ?(?P<pct>%)|\ ?(?P<post>[$€£₹¥])(?!\d)|(?P<times>[x×])(?![^\W\d_]))?
"""
_TOKEN = re.compile(
    rf"(?P<q>{_QUANTITY})|(?P<w>[^\W_](?:[\w'’&.-]*[^\W_])?)|(?P<s><=|>=|=<|[<>≥≤]|\S)",
    re.I | re.X,
)
_SYMBOL_SHAPES = {"–": "-", "—": "-", "≥": ">=", "≤": "<=", "=<": "<="}
_DROPPED = frozenset(':~≈"“”')


@dataclass(frozen=True)
class _Token:
    """A word, a symbol or a number; `shape` is what the clause patterns see ("Q", "X", a word)."""

    text: str
    shape: str
    start: int
    end: int
    kind: str = "word"  # word, symbol, number, times
    value: Fraction = Fraction(0)
    unit: str = ""  # a known unit ("%", "USD", "minutes", ...); "" leaves the words after it
    scaled: bool = False
    rest: tuple[_Token, ...] = ()  # words after a number that are not a known unit

    @property
    def is_number(self) -> bool:
        return self.kind in ("number", "times")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        raw, start, end = match.group(), match.start(), match.end()
        if match.group("q"):
            tokens.append(_number(match, raw, start, end))
        elif match.group("w"):
            tokens.append(_Token(raw, raw.lower(), start, end))
        elif raw not in _DROPPED:
            tokens.append(_Token(raw, _SYMBOL_SHAPES.get(raw, raw), start, end, kind="symbol"))
    return _fold_signs(tokens)


def _number(match: re.Match[str], raw: str, start: int, end: int) -> _Token:
    value = Fraction(match.group("digits").replace(",", ""))
    scale = (match.group("letter") or match.group("scale") or "").lower()
    if scale:
        value *= _SCALES[scale]
    if match.group("times"):
        return _Token(raw, "X", start, end, kind="times", value=value)
    cur = (match.group("cur") or "").strip().rstrip(".")
    symbol = match.group("post") or ""
    unit = ""
    if match.group("pct"):
        unit = "%"
    elif cur or symbol:
        unit = _CURRENCY_SYMBOLS.get(cur or symbol) or (
            "INR" if cur.lower() == "rs" else cur.upper()
        )
    return _Token(raw, "Q", start, end, kind="number", value=value, unit=unit, scaled=bool(scale))


def _fold_signs(tokens: list[_Token]) -> list[_Token]:
    """A sign touching a number is part of it, unless a number comes just before ("95-99")."""
    out: list[_Token] = []
    for i, token in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if (
            token.shape in ("-", "+")
            and after is not None
            and after.kind == "number"
            and after.start == token.end
            and not (out and out[-1].is_number)
        ):
            tokens[i + 1] = replace(
                after,
                text=token.text + after.text,
                start=token.start,
                value=-after.value if token.shape == "-" else after.value,
            )
            continue
        out.append(token)
    return out


def _absorb_units(tokens: Sequence[_Token]) -> list[_Token]:
    """Give each number the words after it: a known unit first, then the rest up to a stop word."""
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token.kind != "number":
            out.append(token)
            continue
        words: list[_Token] = []
        while i < len(tokens) and tokens[i].kind == "word" and tokens[i].shape not in _STOP:
            words.append(tokens[i])
            i += 1
        unit, used = _known_unit(words)
        if unit and token.unit and unit != token.unit:
            unit, used = "", 0  # "99.9% min": a second unit is not this number's
        end = words[used - 1].end if used else token.end
        text = " ".join([token.text, *(word.text for word in words[:used])])
        out.append(
            replace(token, unit=token.unit or unit, end=end, rest=tuple(words[used:]), text=text)
        )
    return out


def _known_unit(words: Sequence[_Token]) -> tuple[str, int]:
    if len(words) >= 2:
        pair = f"{words[0].shape}_{words[1].shape}"
        if pair in _UNIT_WORDS:
            return _UNIT_WORDS[pair], 2
    if words and words[0].shape in _UNIT_WORDS:
        return _UNIT_WORDS[words[0].shape], 1
    return "", 0


# --- clauses ---------------------------------------------------------------------------------

_AT_LEAST = (
    r"at least|at or above|at or over|no less than|not less than|no fewer than|no lower than|"
    r"not below|>=|>|above|over|more than|greater than|higher than|(?:a )?minimum of|minimum|min|"
    r"in excess of"
)
_AT_MOST = (
    r"at most|at or below|at or under|no more than|not more than|no greater than|no higher than|"
    r"not above|not exceeding|not exceed|<=|<|below|under|less than|fewer than|lower than|"
    r"(?:a )?maximum of|maximum|max"
)
_CMP = rf"(?:(?P<least>{_AT_LEAST})|(?P<most>{_AT_MOST})) "
_POST = (
    r" (?:(?P<or_more>or (?:more|higher|above|greater|over)|minimum|at (?:a |the )?minimum)"
    r"|(?P<or_less>or (?:less|lower|below|fewer|under)|maximum|max|at (?:a |the )?maximum))"
)
_ADV = r"(?:(?P<adv>down|up) )?"
_BY = r"(?:by (?P<d>Q)|(?:by )?(?P<x>X))"

_CLAUSES: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(pattern + r"(?= |$)"))
    for name, pattern in [
        ("range", r"(?:to )?between (?P<lo>Q) (?:and|to|-) (?P<hi>Q)"),
        ("range", r"(?:to )?(?:within|in) (?:the )?range (?:of )?(?P<lo>Q) (?:and|to|-) (?P<hi>Q)"),
        ("range", r"(?:to )?within (?P<lo>Q) (?:and|to|-) (?P<hi>Q)"),
        ("dash", r"(?:(?P<prefix>to|at) )?(?P<lo>Q) - (?P<hi>Q)"),
        (
            "change",
            rf"{_ADV}(?:from )?(?P<a>Q) (?:(?P<adv2>down|up) )?to (?:{_CMP})?(?P<b>Q)(?:{_POST})?",
        ),
        ("change", rf"{_ADV}to (?P<b>Q) from (?P<a>Q)"),
        ("relative", rf"{_BY} from (?P<a>Q)"),
        ("relative", rf"from (?P<a>Q) {_BY}"),
        ("relative", rf"{_BY} to (?P<b>Q)"),
        ("relative", rf"to (?P<b>Q) {_BY}"),
        ("relative", _BY),
        ("from", rf"{_ADV}from (?P<a>Q)"),
        ("bound", rf"{_ADV}to (?:{_CMP})?(?P<b>Q)(?:{_POST})?"),
        ("bound", rf"{_CMP}(?P<b>Q)"),
        ("bound", rf"(?:at )?(?P<b>Q){_POST}"),
        ("at", r"at (?P<b>Q)"),
        ("within", r"within (?P<b>Q)"),
        ("lone", r"(?P<b>Q)"),
    ]
]


@dataclass(frozen=True)
class _Clause:
    """One matched clause: which numbers play which part, and the words around them."""

    name: str
    a: _Token | None = None  # start
    b: _Token | None = None  # target or bound
    d: _Token | None = None  # change ("by 20%")
    x: _Token | None = None  # multiplier ("2x")
    lo: _Token | None = None
    hi: _Token | None = None
    bound: Direction | None = None  # at_least / at_most from a comparator
    adv: str = ""  # "down" / "up"
    prefix: str = ""  # "to" / "at" before a dash range


@dataclass(frozen=True)
class _Verb:
    text: str
    sense: _Sense
    factor: Fraction | None = None


# --- reading ---------------------------------------------------------------------------------

_ARTICLES = re.compile(r"^(?:(?:the|a|an|our|my|your|their|its)\s+)+", re.I)
# "Uptime must stay above 99.9%", "Maintain CSAT of at least 4.5": words that link, not name.
_LINKING = re.compile(
    r"(?:(?:\s+(?:must|should|will|shall|needs?\s+to|has\s+to|to))?"
    r"\s+(?:be|is|are|stay|stays|remain|remains|kept|held)|\s+(?:of|at|with|around))$",
    re.I,
)
_DEADLINE_WORDS = frozenset({"within", "in", "over", "during", "inside"})
_DEADLINE_FILLER = frozenset({"the", "next", "first", "coming", "following"})


def parse_key_result(text: str) -> ParsedKeyResult:
    """Read a title such as "Reduce churn from 8% to 5% by Q4"; refuse what reads two ways."""
    cleaned = _DATE.sub(" ", _clean(text))
    tokens = _absorb_units(_tokenize(cleaned))
    said = " ".join(text.split())
    numbers = [i for i, token in enumerate(tokens) if token.is_number]
    if not numbers:
        dates = [" ".join(m.group().split()) for m in _DATE.finditer(_clean(text))]
        found = (
            f"'{said}' has no number apart from dates ({', '.join(dates)})"
            if any(char.isdigit() for char in "".join(dates))
            else f"'{said}' has no number"
        )
        raise KeyResultParseError(
            f"{found}, so there is nothing to measure: give a start and a target, "
            "e.g. 'from 45 to 60', or a bound such as 'at least 99.9%'."
        )
    verb, begin = _verb(tokens)
    shapes = [token.shape for token in tokens]
    for j in range(begin, numbers[0] + 1):
        joined = " ".join(shapes[j:])
        for name, pattern in _CLAUSES:
            match = pattern.match(joined)
            if match:
                end = j + joined.count(" ", 0, match.end()) + 1
                clause = _clause(name, match, tokens[j:], joined)
                _check_trailing(tokens[end:], said)
                metric, clause = _metric(cleaned, tokens[begin:j], tokens[end:], clause)
                if not metric:
                    raise KeyResultParseError(
                        f"'{said}' does not say what is measured: name the metric, "
                        "e.g. 'Increase NPS from 45 to 60'."
                    )
                return _interpret(clause, verb, metric, said)
    raise KeyResultParseError(
        f"'{said}' has numbers but no clear start and target: write e.g. 'from 45 to 60', "
        "'to 60', 'at least 99.9%' or 'between 95 and 99'."
    )


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u2212", "-")
    text = _LEADER.sub("", _ARROW.sub(" to ", text))
    return text.strip().rstrip(".!;, ").strip()


def _verb(tokens: Sequence[_Token]) -> tuple[_Verb, int]:
    """The leading verb, with "down"/"up" right after it ("Bring down churn"), and where it ends."""
    if not tokens or tokens[0].shape not in _VERBS:
        return _Verb("", _Sense.NONE), 0
    sense, factor = _VERBS[tokens[0].shape]
    verb = _Verb(tokens[0].text, sense, factor)
    if len(tokens) > 1 and tokens[1].shape in ("down", "up"):
        way = _Sense.DOWN if tokens[1].shape == "down" else _Sense.UP
        if sense in (_Sense.UP, _Sense.DOWN, _Sense.REACH) and _way(sense) != _way(way):
            raise KeyResultParseError(
                f"'{tokens[0].text} {tokens[1].text}' points both up and down."
            )
        return _Verb(f"{tokens[0].text} {tokens[1].text}", way, factor), 2
    return verb, 1


def _clause(name: str, match: re.Match[str], tokens: Sequence[_Token], joined: str) -> _Clause:
    groups = match.groupdict()

    def token(group: str) -> _Token | None:
        if groups.get(group) is None:
            return None
        return tokens[joined.count(" ", 0, match.start(group))]

    least = groups.get("least") or groups.get("or_more")
    most = groups.get("most") or groups.get("or_less")
    bound = Direction.AT_LEAST if least else Direction.AT_MOST if most else None
    if name == "within":
        bound = Direction.AT_MOST
    return _Clause(
        name=name,
        a=token("a"),
        b=token("b"),
        d=token("d"),
        x=token("x"),
        lo=token("lo"),
        hi=token("hi"),
        bound=bound,
        adv=groups.get("adv") or groups.get("adv2") or "",
        prefix=groups.get("prefix") or "",
    )


def _check_trailing(trailing: Sequence[_Token], said: str) -> None:
    """Words after the clause are qualifiers; numbers there are a deadline or an error."""
    for i, token in enumerate(trailing):
        if not token.is_number:
            continue
        before = [t.shape for t in trailing[:i] if t.shape not in _DEADLINE_FILLER]
        if token.unit in _CONVERTIBLE and before and before[-1] in _DEADLINE_WORDS:
            continue  # "... within 6 months"
        raise KeyResultParseError(
            f"'{said}' has more numbers than one key result uses: "
            "write one start and one target (or one bound) per key result."
        )


def _metric(
    cleaned: str, words: Sequence[_Token], trailing: Sequence[_Token], clause: _Clause
) -> tuple[str, _Clause]:
    """The noun phrase before the clause; else the words after its last number ("1,000 users")."""
    metric = cleaned[words[0].start : words[-1].end] if words else ""
    metric = _ARTICLES.sub("", " ".join(metric.split()).rstrip(" -:,;("))
    metric = _LINKING.sub("", metric).strip()
    if metric:
        return metric, clause
    last = clause.b or clause.hi or clause.a
    if last is None:
        return "", clause
    if last.rest:
        phrase = _ARTICLES.sub("", " ".join(w.text for w in last.rest))
        named = last if last.unit else replace(last, rest=last.rest[-1:])
        if last is clause.b:
            clause = replace(clause, b=named)
        elif last is clause.hi:
            clause = replace(clause, hi=named)
        else:
            clause = replace(clause, a=named)
        return phrase, clause
    if len(trailing) > 1 and trailing[0].shape in ("in", "of"):  # "Generate $2M in pipeline"
        named_words: list[str] = []
        for word in trailing[1:]:
            if word.kind != "word" or word.shape in _STOP:
                break
            named_words.append(word.text)
        return " ".join(named_words), clause
    return "", clause


# --- meaning ---------------------------------------------------------------------------------


def _way(sense: _Sense) -> Direction | None:
    if sense in (_Sense.UP, _Sense.REACH):
        return Direction.INCREASE
    if sense in (_Sense.DOWN, _Sense.CAP):
        return Direction.DECREASE
    return None


def _words_way(verb: _Verb, adv: str) -> Direction | None:
    """The way the words point: the verb, or "down"/"up" before the numbers."""
    way = _way(verb.sense)
    if adv:
        said = Direction.INCREASE if adv == "up" else Direction.DECREASE
        if way is not None and way != said:
            raise KeyResultParseError(f"'{verb.text} ... {adv}' points both up and down.")
        way = said
    return way


def _interpret(clause: _Clause, verb: _Verb, metric: str, said: str) -> ParsedKeyResult:
    way = _words_way(verb, clause.adv)
    name = clause.name
    if name == "change":
        assert clause.a is not None
        assert clause.b is not None
        return _change(clause.a, clause.b, clause.bound, verb, way, metric)
    if name == "relative":
        return _relative(clause, verb, way, metric)
    if name == "from":
        assert clause.a is not None
        if verb.factor is None:
            raise KeyResultParseError(
                f"'{said}' gives a start ('from {_shown(clause.a)}') but no target: "
                "add 'to ...' or the change, e.g. 'by 20%'."
            )
        start, unit = _value(clause.a)
        return _moved(metric, verb, way, start, start * verb.factor, unit)
    if name in ("range", "dash"):
        assert clause.lo is not None
        assert clause.hi is not None
        if (
            name == "dash"
            and not clause.prefix
            and verb.sense in (_Sense.UP, _Sense.DOWN, _Sense.REACH)
        ):
            raise KeyResultParseError(
                f"'{_shown(clause.lo)}-{_shown(clause.hi)}' reads as a range, but '{verb.text}' "
                "asks for a change: write 'from X to Y', or 'between X and Y' for a range."
            )
        lower, upper, unit = _pair(clause.lo, clause.hi)
        lower, upper = min(lower, upper), max(lower, upper)
        return _result(metric, Direction.WITHIN, unit, lower=lower, upper=upper)
    return _single(clause, verb, way, metric, said)


def _single(
    clause: _Clause, verb: _Verb, way: Direction | None, metric: str, said: str
) -> ParsedKeyResult:
    """One number: a bound when a comparator says so, else a target the words give a way to."""
    assert clause.b is not None
    name = clause.name
    value, unit = _value(clause.b)
    bound = clause.bound
    if name == "at" or (name == "bound" and bound is None):
        bound = Direction.AT_MOST if verb.sense is _Sense.CAP else None
    if bound is not None:
        _check_bound(bound, way, verb, clause.b)
        return _result(metric, bound, unit, target=value)
    if name == "at":
        raise KeyResultParseError(
            f"'at {_shown(clause.b)}' does not say whether it is a floor or a ceiling: "
            "write 'at least', 'at most' or 'between X and Y'."
        )
    if verb.factor is not None:
        return _moved(metric, verb, way, value / verb.factor, value, unit)
    if name == "lone" and verb.sense is not _Sense.REACH and way is not None:
        raise KeyResultParseError(
            f"'{verb.text} ... {_shown(clause.b)}' could be the target or the change: "
            f"write 'to {_shown(clause.b)}' or 'by {_shown(clause.b)} from X'."
        )
    if way is None:
        raise KeyResultParseError(
            f"'{said}' gives a target but does not say whether {metric} should go up or down: "
            "give the start ('from X to Y'), or say 'at least' or 'at most'."
        )
    return _result(metric, way, unit, target=value)


def _change(
    a: _Token,
    b: _Token,
    bound: Direction | None,
    verb: _Verb,
    way: Direction | None,
    metric: str,
) -> ParsedKeyResult:
    start, target, unit = _pair(a, b)
    if verb.sense is _Sense.HOLD:  # "Keep utilization from 70% to 85%": a band to stay in
        return _result(
            metric, Direction.WITHIN, unit, lower=min(start, target), upper=max(start, target)
        )
    result = _moved(metric, verb, way, start, target, unit, shown=(a, b))
    if bound is not None:
        _check_bound(bound, result.direction, verb, b)
    if verb.factor is not None and target != start * verb.factor:
        raise KeyResultParseError(
            f"'{verb.text}' from {_shown(a)} gives {_number_text(start * verb.factor)}, "
            f"not {_shown(b)}."
        )
    return result


def _moved(
    metric: str,
    verb: _Verb,
    way: Direction | None,
    start: Fraction,
    target: Fraction,
    unit: str,
    shown: tuple[_Token, _Token] | None = None,
) -> ParsedKeyResult:
    """An increase or decrease whose way the numbers show and the words must not contradict."""
    first, last = (
        (_shown(shown[0]), _shown(shown[1]))
        if shown
        else (_number_text(start), _number_text(target))
    )
    span = f"{first} to {last}"
    if start == target:
        raise KeyResultParseError(
            f"{span} does not change {metric}: to hold a level, write 'keep {metric} at least ...'."
        )
    moved = Direction.INCREASE if target > start else Direction.DECREASE
    if way is not None and way != moved:
        words = {Direction.INCREASE: "up", Direction.DECREASE: "down"}
        raise KeyResultParseError(
            f"'{verb.text or 'The wording'}' says {metric} should go {words[way]}, "
            f"but {span} goes {words[moved]}."
        )
    return _result(metric, moved, unit, start=start, target=target)


def _relative(clause: _Clause, verb: _Verb, way: Direction | None, metric: str) -> ParsedKeyResult:
    step = clause.d or clause.x
    assert step is not None
    if clause.a is None and clause.b is None:
        raise KeyResultParseError(
            f"'by {_shown(step)}' is a change, but there is no starting value to apply it to: "
            f"write 'from X to Y', or 'by {_shown(step)} from X'."
        )
    if way is None or verb.factor is not None:
        raise KeyResultParseError(
            f"'{verb.text or metric} by {_shown(step)}' does not say clearly which way to go: "
            "write 'from X to Y'."
        )
    up = way is Direction.INCREASE
    if clause.a is not None:
        start, factor, amount, unit = _step(clause.a, step, up)
        target = start * factor if factor is not None else start + amount
        return _moved(metric, verb, way, start, target, unit)
    assert clause.b is not None
    target, factor, amount, unit = _step(clause.b, step, up)
    start = target / factor if factor is not None else target - amount
    return _moved(metric, verb, way, start, target, unit)


def _step(base: _Token, step: _Token, up: bool) -> tuple[Fraction, Fraction | None, Fraction, str]:
    """(base value, factor or None, signed step, unit): "by 20%" of money is a share of it,
    "by 5 points" or "by $200k" a step.

    A percentage changed "by 2%" is refused: it could mean points or a share of it.
    """
    base_value, base_unit = _value(base)
    if step.kind == "times":
        if step.value <= 1:
            raise KeyResultParseError(f"'{_shown(step)}' is not a multiple larger than one.")
        return base_value, step.value if up else 1 / step.value, Fraction(0), base_unit
    if step.unit == "%" and base_unit == "%":
        raise KeyResultParseError(
            f"'by {_shown(step)}' of a percentage could mean points or a share of it: "
            f"write '{_number_text(step.value)} points' or give the target."
        )
    if step.unit == "%":
        if not up and step.value >= 100:
            raise KeyResultParseError(f"'by {_shown(step)}' would take the value to zero or below.")
        share = step.value / 100
        return base_value, 1 + share if up else 1 - share, Fraction(0), base_unit
    if step.unit in ("pp", "points"):
        amount, unit = step.value, base_unit or _unit(step)
    else:
        base_value, amount, unit = _pair(base, step, same_scale=False)
    return base_value, None, amount if up else -amount, unit


def _check_bound(bound: Direction, way: Direction | None, verb: _Verb, token: _Token) -> None:
    if (bound is Direction.AT_MOST and way is Direction.INCREASE) or (
        bound is Direction.AT_LEAST and way is Direction.DECREASE
    ):
        limit = "a floor" if bound is Direction.AT_LEAST else "a ceiling"
        raise KeyResultParseError(
            f"'{verb.text}' and {limit} at {_shown(token)} point opposite ways: "
            "say either the change or the bound."
        )


# --- values and units ------------------------------------------------------------------------


def _value(token: _Token) -> tuple[Fraction, str]:
    return token.value, _unit(token)


def _unit(token: _Token) -> str:
    if token.unit == "pp":
        return "%"
    if token.unit:
        return token.unit
    return " ".join(w.text if not w.text.istitle() else w.text.lower() for w in token.rest)


def _pair(a: _Token, b: _Token, *, same_scale: bool = True) -> tuple[Fraction, Fraction, str]:
    """Two values in one unit: a unit given once applies to both; mixed times go to the smaller."""
    ua, ub = _unit(a), _unit(b)
    if same_scale and a.scaled != b.scaled and a.value and b.value:
        small, big = sorted((abs(a.value), abs(b.value)))
        if big / small >= 1000:
            plain, scaled = (a, b) if b.scaled else (b, a)
            raise KeyResultParseError(
                f"'{_shown(plain)}' has no k/M/bn while '{_shown(scaled)}' has: "
                "write both in full so their size is clear."
            )
    if not ua or not ub or ua.lower().rstrip("s") == ub.lower().rstrip("s"):
        return a.value, b.value, ub or ua
    ca, cb = _CONVERTIBLE.get(ua), _CONVERTIBLE.get(ub)
    if ca and cb and ca[0] == cb[0]:
        smaller = min(ca[1], cb[1])
        unit = ua if ca[1] == smaller else ub
        return a.value * ca[1] / smaller, b.value * cb[1] / smaller, unit
    raise KeyResultParseError(
        f"'{_shown(a)}' and '{_shown(b)}' are in different units ({ua} and {ub}), "
        "so one cannot be measured against the other."
    )


def _shown(token: _Token) -> str:
    """A number the way the title wrote it, for messages."""
    text = token.text or _number_text(token.value)
    return " ".join([text, *(word.text for word in token.rest)])


def _number_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return format(float(value), "g")


def _result(
    metric: str,
    direction: Direction,
    unit: str,
    *,
    start: Fraction | None = None,
    target: Fraction | None = None,
    lower: Fraction | None = None,
    upper: Fraction | None = None,
) -> ParsedKeyResult:
    kind = (
        KRKind.PERCENT if unit == "%" else KRKind.CURRENCY if unit in _CURRENCIES else KRKind.NUMBER
    )
    return ParsedKeyResult(metric, direction, start, target, lower, upper, unit, kind)
