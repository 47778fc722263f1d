"""Pages of KRAs."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
