from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = _("Mål, indikatorer og data")

    def ready(self) -> None:
        # A network's rule set and pooled-chart settings live on teams.Network (teams never imports
        # measures), so measures listens for their changes and marks the network's charts stale.
        from django.db.models.signals import post_save, pre_save

        from teams.models import Network

        from .charts.stale import network_post_save, network_pre_save

        pre_save.connect(network_pre_save, sender=Network, dispatch_uid="measures_network_pre_save")
        post_save.connect(network_post_save, sender=Network, dispatch_uid="measures_network_post_save")

        from . import sync

        sync.connect()

        # `field__any=[...]`: the chart pipeline's id lists as one array parameter (lkt/lookups.py).
        import lkt.lookups  # noqa: F401
