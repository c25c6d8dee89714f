from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = _("Netværk og teams")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        # Connects the failed-login counter (user_login_failed) of the per-address login limit.
        from . import login_protection  # noqa: F401
        from .models import Network, NetworkMembership, Team, TeamMembership
        from .navigation import menus_changed

        # The header menu's cache (teams.navigation) is read afresh after any change that can alter it.

        for model in (Network, Team, NetworkMembership, TeamMembership):
            post_save.connect(menus_changed, sender=model, dispatch_uid=f"menus-saved-{model.__name__}")
            post_delete.connect(menus_changed, sender=model, dispatch_uid=f"menus-deleted-{model.__name__}")
