"""Headway's URL map. The web app (issue 3) will take over `/`; until then it opens the admin."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Headway"
admin.site.site_title = "Headway"
admin.site.index_title = "KRAs, KPIs and OKRs"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
]
