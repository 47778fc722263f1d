"""Pages of the org app: the directory and the scorecards."""

from django.urls import path

from headway.org import views

urlpatterns = [
    path("people/", views.people, name="people"),
    path("scorecard/", views.scorecard, name="scorecard"),
    path("scorecard/unit/<int:pk>/", views.scorecard_unit, name="scorecard-unit"),
    path("scorecard/person/<int:pk>/", views.scorecard_person, name="scorecard-person"),
]
