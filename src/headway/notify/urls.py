"""Pages of notifications and notification settings."""

from django.urls import path

from headway.notify import review_views, summary_views, views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("summary/", summary_views.weekly_summary, name="weekly-summary"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/settings/", views.notification_settings, name="notification-settings"),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.unsubscribe,
        name="notifications-unsubscribe",
    ),
    path("notifications/<int:pk>/", views.notification_open, name="notification-open"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("settings/check-ins/", views.cadences, name="checkin-cadences"),
    path("settings/kra-reviews/", review_views.review_settings, name="kra-review-settings"),
    path(
        "settings/check-ins/<int:pk>/remove/", views.cadence_remove, name="checkin-cadence-remove"
    ),
]
