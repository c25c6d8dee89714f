"""The header menu's per-user parts, cached: every page shows them, and they change only when
someone's memberships, a network or a team change.

A cached menu is keyed by the user and a generation that any such change replaces (model signals,
connected in `TeamsConfig.ready` and `ClustersConfig.ready`), so a new member sees the network on
their next page. A change that sends no signal (a queryset `update()` or `bulk_create()` of
memberships) shows after `MENU_SECONDS` at the latest. The menu only links to pages: each page
checks the viewer's access itself, so a menu a moment old never opens anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

GENERATION_KEY = "nav-generation"
MENU_SECONDS = 300


def menu_generation(request: HttpRequest) -> str:
    """The current generation, read once per request."""
    generation = getattr(request, "_lkt_menu_generation", None)
    if generation is None:
        generation = cache.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
            generation = cache.get(GENERATION_KEY) or ""
        request._lkt_menu_generation = generation
    return generation


def menu_part(request: HttpRequest, name: str, compute: Callable[[], Any]) -> Any:
    """`compute()` for this user, from the cache while no change has replaced the generation."""
    user = request.user
    key = f"nav:{name}:{user.pk}:{int(user.is_staff)}:{menu_generation(request)}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, MENU_SECONDS)
    return value


def menus_changed(**kwargs) -> None:
    """Signal handler: memberships, a network or a team changed; every cached menu is read afresh."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
