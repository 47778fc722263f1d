"""Pages of KRAs."""

from django.urls import path

from headway.goals import areas

urlpatterns = [
    path("kras/new/", areas.result_area_create, name="result-area-create"),
    path("kras/<int:pk>/", areas.result_area_detail, name="result-area"),
    path("kras/<int:pk>/edit/", areas.result_area_edit, name="result-area-edit"),
    path("kras/<int:pk>/review/", areas.result_area_review, name="result-area-review"),
]
