"""Who may see what over the REST API: the token or user of a request and its scope of teams and
networks, the default permission and the per-token throttle (named in REST_FRAMEWORK settings).

DRF imports this module while `rest_framework.views` itself is being imported, so it must not
import DRF's views, generics or viewsets (the scoped base viewset is teams.api.ScopedReadOnlyViewSet).
"""

from django.db.models import Q, QuerySet
from rest_framework import permissions
from rest_framework.throttling import SimpleRateThrottle

from lkt.net import client_ip
from lkt.ratelimit import Limit

from .models import ApiToken, Network, Team
from .peers import region_aggregates_visible_to


def request_token(request) -> ApiToken | None:
    """The API token the request is authenticated with, or None for a session user."""
    return request.auth if isinstance(request.auth, ApiToken) else None


def visible_teams(request) -> QuerySet[Team]:
    token = request_token(request)
    if token is not None:
        return Team.objects.visible_to_token(token)
    return Team.objects.visible_to(request.user)


def visible_networks(request) -> QuerySet[Network]:
    token = request_token(request)
    if token is not None:
        return Network.objects.visible_to_token(token)
    return Network.objects.visible_to(request.user)


def region_chart_condition(request) -> Q:
    """Region-level chart results visible to the request: the token's region, or the user's teams' regions."""
    token = request_token(request)
    if token is not None:
        condition = Q(network_id=token.network_id)
        if token.region_id is not None:
            condition &= Q(region_id=token.region_id)
        return condition
    return region_aggregates_visible_to(request.user)


class IsTokenOrUser(permissions.BasePermission):
    """A valid token or a logged-in user; a token may write only if it was granted a team."""

    def has_permission(self, request, view) -> bool:
        token = request_token(request)
        if token is not None:
            return request.method in permissions.SAFE_METHODS or token.write_team_id is not None
        return bool(request.user and request.user.is_authenticated)


class TokenRateThrottle(SimpleRateThrottle):
    """One bucket per token (by its hash, so a re-used row id never inherits a bucket), else per user.

    The count is an atomic increment in the shared cache (lkt.ratelimit), not DRF's list of
    timestamps read and rewritten by each worker: with four gunicorn workers that lost most hits.
    """

    scope = "api"
    _wait: float | None = None

    def get_cache_key(self, request, view) -> str | None:
        token = request_token(request)
        if token is not None:
            ident = f"token:{token.key_hash}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{client_ip(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        limit = Limit(name=self.scope, limit=self.num_requests, window=self.duration)
        if limit.hit(key) > self.num_requests:
            self._wait = limit.retry_after(key)
            return False
        return True

    def wait(self) -> float | None:
        return self._wait
