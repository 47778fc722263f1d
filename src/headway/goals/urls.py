"""Pages of the goals app."""

from django.urls import path

from headway.goals import views

urlpatterns = [
    path("objectives/<int:pk>/", views.objective_detail, name="objective"),
]
