"""What goes over the wire for each webhook format.

`headway`: the event envelope itself (JSON). `slack`: a Slack incoming-webhook message,
`{"text": ...}` in Slack's mrkdwn. `teams`: a Microsoft Teams connector MessageCard, which
also carries the message as `text`, so chat tools that read only `{"text": ...}` show it too.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from headway.goals.models import Status
from headway.webhooks.models import Event, Webhook

Link = Callable[[str, str], str]

# Teams card accents: amber for at risk, red for off track, Headway blue otherwise.
COLOURS = {Status.AT_RISK.value: "FFC107", Status.OFF_TRACK.value: "DC3545"}
BLUE = "0D6EFD"


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_link(text: str, url: str) -> str:
    return f"<{url}|{slack_escape(text)}>"


def markdown_link(text: str, url: str) -> str:
    label = text.replace("[", "(").replace("]", ")")
    return f"[{label}]({url})"


def status_words(status: str | None) -> str:
    if not status:
        return "no status"
    try:
        return str(Status(status).label).lower()
    except ValueError:
        return status.replace("_", " ")


def percent(ratio: str | None) -> str:
    if ratio is None:
        return "no progress yet"
    try:
        return f"{Decimal(ratio) * 100:.0f}%"
    except InvalidOperation:
        return ratio


def _value(value: str | None, unit: str) -> str:
    if value is None:
        return "no value"
    return f"{value} {unit}".strip()


def title(envelope: dict[str, Any]) -> str:
    try:
        return f"Headway: {Event(envelope['event']).label}"
    except ValueError:
        return f"Headway: {envelope.get('event', 'event')}"


def message(envelope: dict[str, Any], link: Link, escape: Callable[[str], str] = str) -> str:
    """One or two lines saying what happened, with links back to Headway."""
    event, data = envelope.get("event"), envelope.get("data", {})
    if event == Event.CHECK_IN_RECORDED:
        check_in, kr = data["check_in"], data["key_result"]
        author = (check_in.get("author") or {}).get("name", "Someone")
        text = f"{escape(author)} checked in on {link(kr['title'], kr['url'])}: "
        text += escape(_value(check_in["value"], kr["unit"]))
        if check_in.get("confidence") is not None:
            text += f" (confidence {check_in['confidence']}/10)"
        text += f". Progress {percent(kr['progress'])}, {status_words(kr['status'])}."
        if check_in.get("note"):
            text += f"\n> {escape(check_in['note'])}"
        return text
    if event == Event.KEY_RESULT_STATUS_CHANGED:
        kr, objective = data["key_result"], data["objective"]
        return (
            f"{link(kr['title'], kr['url'])} is now *{status_words(data['after'])}* "
            f"(was {status_words(data['before'])}), progress {percent(kr['progress'])}. "
            f"Objective: {link(objective['title'], objective['url'])}."
        )
    if event == Event.KEY_RESULT_ESCALATED:
        kr, objective = data["key_result"], data["objective"]
        owner = (kr.get("owner") or {}).get("name", "Its owner")
        manager = (data.get("manager") or {}).get("name", "their manager")
        turns = []
        if "off_track" in data.get("reasons", []):
            turns.append(f"turned *off track* (was {status_words(data.get('status_before'))})")
        if "confidence" in data.get("reasons", []):
            turns.append(
                f"confidence fell from {data.get('confidence_before')} to "
                f"{data.get('confidence_after')}/10"
            )
        return (
            f"{link(kr['title'], kr['url'])} ({escape(owner)}) {' and '.join(turns)}; "
            f"{escape(manager)} was told. Objective: {link(objective['title'], objective['url'])}."
        )
    if event == Event.OBJECTIVE_STATUS_CHANGED:
        objective = data["objective"]
        return (
            f"Objective {link(objective['title'], objective['url'])} is now "
            f"*{status_words(data['after'])}* (was {status_words(data['before'])}), "
            f"progress {percent(objective['progress'])}."
        )
    if event == Event.MEASUREMENT_RECORDED:
        measurement, indicator = data["measurement"], data["indicator"]
        text = (
            f"{link(indicator['name'], indicator['url'])}: "
            f"{escape(_value(measurement['value'], indicator['unit']))} on {measurement['date']}"
        )
        if measurement.get("replaced"):
            text += " (replaces the value recorded earlier for that date)"
        return text + "."
    if event == Event.OBJECTIVE_CLOSED:
        objective = data["objective"]
        graded = f"grade {data['grade']}" if data.get("grade") is not None else "no grade"
        period = objective.get("period") or {}
        why = (
            f"Period {escape(period.get('name', ''))} closed: objective"
            if data.get("reason") == "period_closed"
            else "Objective"
        )
        return (
            f"{why} {link(objective['title'], objective['url'])} closed with {graded} "
            f"({percent(objective['progress'])})."
        )
    if event == Event.PING:
        return f"Test event from Headway: the webhook “{escape(data.get('webhook', {}).get('name', ''))}” works."
    return escape(f"Headway event {event}.")


def _accent(envelope: dict[str, Any]) -> str:
    data = envelope.get("data", {})
    after = (
        data.get("after") or data.get("status_after") or data.get("key_result", {}).get("status")
    )
    return COLOURS.get(after, BLUE)


def body(webhook_format: str, envelope: dict[str, Any]) -> dict[str, Any]:
    """The JSON document posted to a webhook of this format."""
    if webhook_format == Webhook.Format.SLACK:
        return {"text": message(envelope, slack_link, slack_escape)}
    if webhook_format == Webhook.Format.TEAMS:
        text = message(envelope, markdown_link)
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": title(envelope),
            "themeColor": _accent(envelope),
            "title": title(envelope),
            "text": text,
        }
    return envelope
