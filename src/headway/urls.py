"""Headway's URL map."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from headway.checkins import views as checkins
from headway.goals import map as alignment
from headway.web import views as web
from headway.web.picker import pick

admin.site.site_header = "Headway"
admin.site.site_title = "Headway"
admin.site.index_title = "KRAs, KPIs and OKRs"

urlpatterns = [
    path("", web.home, name="home"),
    path("check-in/", checkins.check_in, name="check-in"),
    path("profile/", web.profile, name="profile"),
    path("key-results/preview/", web.key_result_preview, name="key-result-preview"),
    path("pick/<str:kind>/", pick, name="pick"),
    path("map/", alignment.alignment_map, name="alignment-map"),
    path(
        "map/<str:kind>/<int:pk>/",
        alignment.alignment_map_children,
        name="alignment-map-children",
    ),
    path("", include("headway.goals.urls")),
    path("", include("headway.goals.area_urls")),
    path("", include("headway.goals.initiative_urls")),
    path("", include("headway.indicators.urls")),
    path("", include("headway.health.urls")),
    path("", include("headway.org.urls")),
    path("", include("headway.io.urls")),
    path("", include("headway.webhooks.urls")),
    path("", include("headway.notify.urls")),
    path("sign-in/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("api/v1/", include("headway.api.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "headway.web.views.forbidden"
handler404 = "headway.web.views.not_found"
handler500 = "headway.web.views.server_error"
