from django.conf import settings
from django.http import HttpRequest

from .models import Network, Team


def navigation(request: HttpRequest) -> dict:
    """The networks and teams shown in the header menu; evaluated lazily, only when a page uses them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        # The login page offers single sign-on when it is configured (teams.oidc).
        return {"sso_enabled": settings.OIDC_ENABLED, "sso_provider": settings.OIDC_PROVIDER_NAME}
    return {
        "nav_networks": Network.objects.visible_to(user).only("slug", "name"),
        "nav_teams": Team.objects.filter(memberships__user=user)
        .select_related("network")
        .only("uuid", "name", "network__name"),
    }
