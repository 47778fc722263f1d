"""Pages of initiatives and milestones."""

from django.urls import path

from headway.goals import initiatives as views

urlpatterns = [
    path("initiatives/", views.initiative_list, name="initiatives"),
    path("initiatives/new/", views.initiative_create, name="initiative-create"),
    path("initiatives/<int:pk>/", views.initiative_detail, name="initiative"),
    path("initiatives/<int:pk>/edit/", views.initiative_edit, name="initiative-edit"),
    path(
        "initiatives/<int:pk>/milestones/",
        views.initiative_milestone_add,
        name="initiative-milestone-add",
    ),
    path(
        "initiatives/<int:pk>/key-results/",
        views.initiative_key_result_add,
        name="initiative-key-result-add",
    ),
    path(
        "initiatives/<int:pk>/key-results/<int:key_result_pk>/remove/",
        views.initiative_key_result_remove,
        name="initiative-key-result-remove",
    ),
    path(
        "key-results/<int:pk>/milestones/",
        views.key_result_milestones,
        name="key-result-milestones",
    ),
    path("milestones/<int:pk>/toggle/", views.milestone_toggle, name="milestone-toggle"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="milestone-edit"),
    path("milestones/<int:pk>/remove/", views.milestone_remove, name="milestone-remove"),
]
