from django.http import HttpRequest

from .models import Cluster


def navigation(request: HttpRequest) -> dict:
    """Whether the header shows "Praksisklynger": evaluated lazily, only when the page renders the menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_clusters": lambda: (
            user.is_staff or Cluster.objects.visible_to(user).exists() or user.provider_memberships.exists()
        )
    }
