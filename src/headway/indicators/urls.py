"""Pages of the indicators app."""

from django.urls import path

from headway.indicators import views

urlpatterns = [
    path("kpis/<int:pk>/", views.indicator_detail, name="indicator"),
]
