from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class BiConfig(AppConfig):
    name = "headway.bi"
    label = "bi"
    verbose_name = "BI feed"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from headway.bi.views import views_after_migrate, views_before_migrate

        # Sent once per migrate for this app: drop the views before, make them again after.
        pre_migrate.connect(views_before_migrate, sender=self, dispatch_uid="bi-views-before")
        post_migrate.connect(views_after_migrate, sender=self, dispatch_uid="bi-views-after")
