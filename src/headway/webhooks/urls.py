"""Pages of outgoing webhooks, under the organization's settings."""

from django.urls import path

from headway.webhooks import views

urlpatterns = [
    path("settings/webhooks/", views.webhook_list, name="webhooks"),
    path("settings/webhooks/new/", views.webhook_create, name="webhook-create"),
    path("settings/webhooks/<int:pk>/", views.webhook_detail, name="webhook"),
    path("settings/webhooks/<int:pk>/edit/", views.webhook_edit, name="webhook-edit"),
    path("settings/webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook-delete"),
    path("settings/webhooks/<int:pk>/test/", views.webhook_test, name="webhook-test"),
    path(
        "settings/webhooks/deliveries/<int:pk>/",
        views.delivery_detail,
        name="webhook-delivery",
    ),
    path(
        "settings/webhooks/deliveries/<int:pk>/retry/",
        views.delivery_retry,
        name="webhook-delivery-retry",
    ),
]
