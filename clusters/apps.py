from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClustersConfig(AppConfig):
    name = "clusters"
    verbose_name = _("Praksisklynger")

    def ready(self) -> None:
        # "Praksisklynger" in the header menu is cached (teams.navigation): these change who sees it.
        from django.db.models.signals import post_delete, post_save

        from teams.navigation import menus_changed

        from .models import Cluster, ClusterMembership, ProviderMembership

        for model in (Cluster, ClusterMembership, ProviderMembership):
            post_save.connect(menus_changed, sender=model, dispatch_uid=f"menus-saved-{model.__name__}")
            post_delete.connect(menus_changed, sender=model, dispatch_uid=f"menus-deleted-{model.__name__}")
