"""Pages of data in and out: spreadsheet import with preview, templates and exports."""

from django.urls import path

from headway.io import views

urlpatterns = [
    path("data/", views.data, name="data"),
    path("data/upload/", views.data_upload, name="data-upload"),
    path("data/apply/", views.data_apply, name="data-apply"),
    path("data/templates/<slug:kind>.<slug:fmt>", views.data_template, name="data-template"),
    path("data/export/<slug:kind>.<slug:fmt>", views.data_export, name="data-export"),
]
