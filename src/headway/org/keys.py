"""Natural keys: the stable, readable ids ("kr-reduce-churn") goals files and imports match on."""

from __future__ import annotations

from django.db import models
from django.utils.text import slugify

MAX_LENGTH = 100


def unique_key(model: type[models.Model], *, organization_id: int, text: str, prefix: str) -> str:
    """`prefix-slug-of-text`, with -2, -3… appended until it is free in the organization."""
    base = f"{prefix}-{slugify(text)[:60]}".rstrip("-") or prefix
    taken = set(
        model._default_manager.filter(
            organization_id=organization_id, key__startswith=base
        ).values_list("key", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
