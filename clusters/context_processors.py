from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest

from teams.navigation import menu_part


def navigation(request: HttpRequest) -> dict:
    """Whether the header shows "Praksisklynger": one query, made (or read from the cache, see
    teams.navigation) only when a page renders the menu.

    Cluster members, provider staff, and the LKT roles of a network that follows clusters (their list
    may be empty: a coordinator of another region) see it; staff always.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def has_clusters() -> bool:
        if user.is_staff:
            return True
        return menu_part(request, "clusters", follows_clusters)

    def follows_clusters() -> bool:
        condition = (
            Q(cluster_memberships__isnull=False)
            | Q(provider_memberships__isnull=False)
            | Q(network_memberships__network__gp_clusters__isnull=False)
        )
        return get_user_model().objects.filter(pk=user.pk).filter(condition).exists()

    return {"nav_clusters": has_clusters}
