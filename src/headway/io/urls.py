"""Pages of data in and out: spreadsheet import with preview, templates and exports."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
