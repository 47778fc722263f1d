"""Pages of initiatives and milestones."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
