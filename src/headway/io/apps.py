from django.apps import AppConfig


class IoConfig(AppConfig):
    name = "headway.io"
    label = "io"
    verbose_name = "Import and export"
