"""Pages of the health app."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
