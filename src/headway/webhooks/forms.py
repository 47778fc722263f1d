"""The webhook form of the settings page."""

from __future__ import annotations

from typing import Any

from django import forms

from headway.webhooks.models import SUBSCRIBABLE, Webhook, validate_webhook_url


class WebhookForm(forms.Form):
    """Name, URL, events and format; the secret is generated unless given (and can be rotated)."""

    name = forms.CharField(max_length=200)
    url = forms.CharField(
        label="URL",
        max_length=2000,
        validators=[validate_webhook_url],
        help_text="Where Headway posts each event. https:// is strongly advised; internal hosts "
        "are allowed for self-hosted receivers.",
    )
    events = forms.MultipleChoiceField(
        choices=[(e.value, e.label) for e in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
    format = forms.ChoiceField(
        choices=Webhook.Format.choices,
        initial=Webhook.Format.HEADWAY,
        help_text="Slack and Teams get a readable message; Headway JSON carries the whole event.",
    )
    active = forms.BooleanField(required=False, initial=True, label="Active")
    secret = forms.CharField(
        required=False,
        max_length=200,
        label="Secret",
        help_text="Leave empty to generate one. Receivers verify the signature with it.",
    )
    new_secret = forms.BooleanField(
        required=False, label="Generate a new secret (the old one stops working at once)"
    )

    def __init__(self, *args: Any, webhook: Webhook | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if webhook is None:
            del self.fields["new_secret"]
        else:
            del self.fields["secret"]
