from django.apps import AppConfig


class BiConfig(AppConfig):
    name = "headway.bi"
    label = "bi"
    verbose_name = "BI feed"
    default_auto_field = "django.db.models.BigAutoField"
