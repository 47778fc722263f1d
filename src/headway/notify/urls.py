"""Pages of notifications and notification settings."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
