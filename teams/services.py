"""Service functions of the teams app: API tokens for regional BI tools."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from .models import ApiToken, ExportEvent, Network, Organisation, Team

TOKEN_PREFIX = "lkt"
# Last use is written at most this often per token, so that a BI tool paging through a table
# does not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_token_hash(raw: str) -> str:
    """HMAC-SHA256 of the whole token with a server-side key.

    A keyed fast hash, not a password hasher: the token has 256 bits of randomness, so slow
    hashing buys nothing and would cost ~200 ms on every API request.
    """
    key = settings.API_TOKEN_HASH_KEY.encode()
    return hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    network: Network,
    name: str,
    region: Organisation | None,
    write_team: Team | None,
    expires_at: datetime | None,
    user: User,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is shown once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": gettext("Giv tokenet et navn.")})
    if region is not None and region.kind != Organisation.Kind.REGION:
        raise ValidationError({"region": gettext("Vælg en region.")})
    if write_team is not None:
        if write_team.network_id != network.id:
            raise ValidationError({"write_team": gettext("Teamet hører ikke til dette LKT.")})
        if region is not None and write_team.region_id != region.id:
            raise ValidationError({"write_team": gettext("Teamet ligger ikke i den valgte region.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": gettext("Udløbsdatoen skal ligge i fremtiden.")})

    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        name=name,
        network=network,
        region=region,
        write_team=write_team,
        prefix=prefix,
        key_hash=api_token_hash(raw),
        created_by=user,
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return token, raw


def api_token_revoke(*, token: ApiToken, user: User) -> ApiToken:
    """Revoke a token at once; revoking twice keeps the first time."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The active token for a raw secret, or None if unknown, revoked or expired. Records the use."""
    if not raw or len(raw) > 200:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("network", "region", "write_team")
        .filter(key_hash=api_token_hash(raw), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        # Conditional UPDATE: of many parallel requests only one writes within the resolution.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


# Audit trail of exports ------------------------------------------------------------------------


def export_event_record(
    *,
    kind: str,
    what: str,
    path: str,
    client_ip: str,
    user: User = None,
    token: ApiToken | None = None,
    network: Network | None = None,
) -> ExportEvent:
    """Record one export or download (teams.models.ExportEvent)."""
    if network is None and token is not None:
        network = token.network
    return ExportEvent.objects.create(
        kind=kind,
        what=what[:200],
        path=path[:500],
        user=user if user is not None and user.is_authenticated else None,
        token=token,
        network=network,
        client_ip=client_ip or None,
    )


def export_events_prune(*, older_than_days: int, batch_size: int = 5000, max_batches: int = 100) -> int:
    """Delete export events past the retention period, in bounded batches; returns how many."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted = 0
    for _batch in range(max_batches):
        ids = list(
            ExportEvent.objects.filter(occurred_at__lt=cutoff).values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            break
        deleted += ExportEvent.objects.filter(id__in=ids).delete()[0]
    return deleted


# Users -----------------------------------------------------------------------------------------


@transaction.atomic
def user_deactivate(*, user: User, by=None) -> int:
    """Deactivate a user and end what they hold at once: their sessions and the API tokens they
    created (a token outliving the person who answers for it is a key nobody holds). Returns the
    number of tokens revoked."""
    from django.contrib.sessions.models import Session

    type(user).objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    revoked = ApiToken.objects.filter(created_by=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    # Database sessions store the user id inside the encoded data: decode the live ones.
    doomed = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    Session.objects.filter(session_key__in=doomed).delete()
    return revoked
