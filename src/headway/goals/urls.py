"""Pages of the goals app."""

from django.urls import path

from headway.goals import views

urlpatterns = [
    path("objectives/new/", views.objective_create, name="objective-create"),
    path("objectives/<int:pk>/", views.objective_detail, name="objective"),
    path("objectives/<int:pk>/edit/", views.objective_edit, name="objective-edit"),
    path("objectives/<int:pk>/key-results/new/", views.key_result_add, name="key-result-add"),
    path("key-results/<int:pk>/edit/", views.key_result_edit, name="key-result-edit"),
    path("key-results/<int:pk>/delete/", views.key_result_delete, name="key-result-delete"),
]
