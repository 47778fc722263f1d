from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "headway.checkins"
    label = "checkins"
    verbose_name = "Check-ins"
