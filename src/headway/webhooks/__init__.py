"""Outgoing webhooks: signed event payloads delivered by the background worker, with retries."""
