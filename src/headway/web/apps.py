from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "headway.web"
    label = "web"
    verbose_name = "Web"
