"""The header menu's per-user parts, cached: every page shows them, and they change only when
someone's memberships, a network or a team change.

A cached menu is keyed by the user and a generation that any such change replaces (model signals,
connected in `TeamsConfig.ready` and `ClustersConfig.ready`), so a new member sees the network on
their next page. A change that sends no signal (a queryset `update()` or `bulk_create()` of
memberships) shows after `MENU_SECONDS` at the latest. The menu only links to pages: each page
checks the viewer's access itself, so a menu a moment old never opens anything.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

log = logging.getLogger(__name__)

GENERATION_KEY = "nav-generation"
MENU_SECONDS = 300


def menu_generation(request: HttpRequest) -> str | None:
    """The current generation, read once per request; None when the cache does not answer."""
    if hasattr(request, "_lkt_menu_generation"):
        return request._lkt_menu_generation
    try:
        generation = cache.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
            generation = cache.get(GENERATION_KEY)
    except Exception:  # noqa: BLE001 - a cache outage costs the menu its cache, never the page
        log.warning("menu cache unavailable; reading the menu from the database", exc_info=True)
        generation = None
    request._lkt_menu_generation = generation
    return generation


def menu_part(request: HttpRequest, name: str, compute: Callable[[], Any]) -> Any:
    """`compute()` for this user, from the cache while no change has replaced the generation."""
    generation = menu_generation(request)
    if generation is None:
        return compute()
    user = request.user
    key = f"nav:{name}:{user.pk}:{int(user.is_staff)}:{generation}"
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001 - as above
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, MENU_SECONDS)
        except Exception:  # noqa: BLE001 - as above
            log.warning("menu cache unavailable; menu not stored", exc_info=True)
    return value


def menus_changed(**kwargs) -> None:
    """Signal handler: memberships, a network or a team changed; every cached menu is read afresh.

    If the cache does not answer, the change itself still stands; menus stored before the outage
    show it within MENU_SECONDS."""
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
    except Exception:  # noqa: BLE001 - a cache outage must not fail a membership change
        log.warning("menu cache unavailable; cached menus expire on their own", exc_info=True)
