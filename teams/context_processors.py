from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Network
from .navigation import menu_part


def navigation(request: HttpRequest) -> dict:
    """The networks shown in the header menu; read (from the cache, see teams.navigation) only when a
    page renders the menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        # The login page offers single sign-on when it is configured (teams.oidc).
        return {"sso_enabled": settings.OIDC_ENABLED, "sso_provider": settings.OIDC_PROVIDER_NAME}

    def networks() -> list[dict]:
        return list(Network.objects.visible_to(user).values("slug", "name"))

    return {"nav_networks": SimpleLazyObject(lambda: menu_part(request, "networks", networks))}
