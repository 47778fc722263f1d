"""Pages of the indicators app."""

from django.urls import path

from headway.indicators import views

urlpatterns = [
    path("kpis/", views.indicator_list, name="indicators"),
    path("kpis/new/", views.indicator_create, name="indicator-create"),
    path("kpis/<int:pk>/", views.indicator_detail, name="indicator"),
    path("kpis/<int:pk>/edit/", views.indicator_edit, name="indicator-edit"),
    path("kpis/<int:pk>/targets/", views.indicator_target, name="indicator-target"),
]
