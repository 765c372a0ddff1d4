from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PositionsConfig(AppConfig):
    name = "positions"
    verbose_name = _("Position papers")

    def ready(self) -> None:
        from positions import checks, signals  # noqa: F401  (registers the checks, connects the receivers)
