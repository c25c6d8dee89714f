"""The team dashboard's chart cards, rendered once and cached until what they show changes.

Rendering a card (its figure, interpretation and 36-row table, every number formatted) is most of
the team dashboard's time, and a card changes only when its chart result is recomputed or marked
stale, its indicator is edited, or a change note comes or goes. The cache key names exactly those
(`CardSource.version`), plus the language, the team's link and what renders a card (templates,
figure code, static file names), so a new chart result is never served from an old card:
invalidation is a new key, and old keys expire.

A cache that does not answer (Redis down) costs only the rendering; the page never fails for it.
"""

import hashlib
import logging
import zlib
from functools import cache as memoize
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from measures.selectors.dashboards import CardSource, GoalGroup, team_cards
from teams.models import Team

log = logging.getLogger(__name__)

# Long enough that a team's cards are rendered about once per computation; a stale key (its
# chart recomputed since) is never asked for again and only waits here to expire. The cache may be
# the broker's Redis (noeviction): cards are stored compressed (a 20-25 KB card is 3-4 KB), so all
# 2,000 cards of a 200-team network take about 8 MB per language.
CARD_CACHE_SECONDS = 2 * 60 * 60
CARD_TEMPLATES = ("charts_card.html", "charts_icons.html", "charts_table.html")


@memoize
def _templates_digest() -> str:
    """A new deployment with changed card markup, figure code or static file names (the icons'
    hashed URLs) renders its cards anew: a digest of what renders a card, read once per process."""
    base = Path(settings.BASE_DIR)
    sources = [base / "templates" / "measures" / name for name in CARD_TEMPLATES]
    sources += [
        base / "measures" / "charts" / "figures.py",
        base / "measures" / "templatetags" / "lkt_charts.py",
    ]
    if settings.STATIC_ROOT:
        sources.append(Path(settings.STATIC_ROOT) / "staticfiles.json")
    digest = hashlib.sha256()
    for path in sources:
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def card_key(source: CardSource, *, team: Team, language: str) -> str:
    version = repr((source.version(), team.uuid.hex, language, _templates_digest()))
    return "team-card:v1:" + hashlib.sha256(version.encode()).hexdigest()


def _cache_get(keys: list[str]) -> dict[str, str]:
    try:
        stored = cache.get_many(keys)
    except Exception:  # noqa: BLE001 - a cache outage must not take the page down
        log.warning("team card cache unavailable; rendering every card", exc_info=True)
        return {}
    cards = {}
    for key, value in stored.items():
        try:
            cards[key] = zlib.decompress(value).decode()
        except (TypeError, zlib.error, UnicodeDecodeError):
            continue  # not a card this code stored: rendered anew and overwritten
    return cards


def _cache_set(values: dict[str, str]) -> None:
    try:
        cache.set_many(
            {key: zlib.compress(html.encode(), 1) for key, html in values.items()}, timeout=CARD_CACHE_SECONDS
        )
    except Exception:  # noqa: BLE001
        log.warning("team card cache unavailable; cards not stored", exc_info=True)


def render_team_cards(*, team: Team, groups: list[GoalGroup]) -> list[list[SafeString]]:
    """The HTML of each group's cards, in order: cached cards as they are, the others rendered
    (their chart data read in one query) and stored."""
    language = get_language() or ""
    keys = [[card_key(s, team=team, language=language) for s in group.sources] for group in groups]
    cached = _cache_get([k for group_keys in keys for k in group_keys])
    missing = [
        (source, key)
        for group, group_keys in zip(groups, keys, strict=True)
        for source, key in zip(group.sources, group_keys, strict=True)
        if key not in cached
    ]
    if missing:
        rendered = {}
        for (source, key), card in zip(missing, team_cards([s for s, _ in missing]), strict=True):
            link = reverse("measures:indicator-dashboard", args=[team.uuid, source.indicator.uuid])
            rendered[key] = render_to_string(
                "measures/charts_card.html", {"card": card, "link": link, "level": 3}
            )
        _cache_set(rendered)
        cached.update(rendered)
    return [[mark_safe(cached[k]) for k in group_keys] for group_keys in keys]  # noqa: S308 - our own rendered template
