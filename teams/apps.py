from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = _("Netværk og teams")

    def ready(self) -> None:
        # Connects the failed-login counter (user_login_failed) of the per-address login limit.
        from . import login_protection  # noqa: F401
