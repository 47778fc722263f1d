"""/api/v1/: the resources, the schema and its browsable docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from headway.api import views

router = DefaultRouter()
router.register("units", views.UnitViewSet, basename="unit")
router.register("people", views.PersonViewSet, basename="person")
router.register("periods", views.PeriodViewSet, basename="period")
router.register("kras", views.ResultAreaViewSet, basename="kra")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("objectives", views.ObjectiveViewSet, basename="objective")
router.register("key-results", views.KeyResultViewSet, basename="key-result")
router.register("check-ins", views.CheckInViewSet, basename="check-in")
router.register("alignments", views.AlignmentViewSet, basename="alignment")
router.register("initiatives", views.InitiativeViewSet, basename="initiative")

app_name = "api"
urlpatterns = [
    path("me/", views.me, name="me"),
    path("health/", views.health, name="health"),
    path("scorecard/", views.scorecard, name="scorecard"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
