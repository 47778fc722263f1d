"""Pages of the health app."""

from django.urls import path

from headway.health import views

urlpatterns = [
    path("health/", views.health, name="health"),
    path("health/check/", views.health_check_now, name="health-check"),
]
