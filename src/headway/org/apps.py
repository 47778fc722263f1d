from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "headway.org"
    label = "org"
    verbose_name = "Organization"
