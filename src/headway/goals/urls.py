"""Pages of the goals app."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
