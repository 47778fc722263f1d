"""The OpenAPI schema: every operation documents the JSON errors it can answer."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers


def _error_fields() -> dict[str, serializers.Field]:
    """Every error: a sentence for people, the first field at fault, and all of them."""
    return {
        "message": serializers.CharField(),
        "field": serializers.CharField(allow_null=True),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    }


# ("errors" cannot be a declared field: Serializer.errors is taken.)
ErrorSerializer = inline_serializer("Error", fields=_error_fields())
# 409: the row changed since it was read; `current` is its state now.
ConflictSerializer = inline_serializer(
    "Conflict", fields={**_error_fields(), "current": serializers.DictField()}
)


ERROR_CODES = ("400", "401", "403", "404")


class HeadwaySchema(AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        codes = list(ERROR_CODES)
        versioned = getattr(self.view, "versioned", False)
        if versioned and self.method in ("PUT", "PATCH"):
            responses.setdefault(
                "409", self._get_response_for_code(ConflictSerializer, "409", direction=direction)
            )
            codes.append("428")
        for code in codes:
            responses.setdefault(
                code, self._get_response_for_code(ErrorSerializer, code, direction=direction)
            )
        return responses
