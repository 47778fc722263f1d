from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "headway.health"
    label = "health"
    verbose_name = "Health checks"

    def ready(self) -> None:
        from headway.health import signals

        signals.connect()
