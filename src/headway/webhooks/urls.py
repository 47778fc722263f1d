"""Pages of outgoing webhooks."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
