"""The client's address, as seen through the reverse proxies we trust.

Everything that keys on the client's address (login lockout, throttling, audit) asks here, so one
setting decides it: TRUSTED_PROXIES, the number of reverse proxies in front of the app.

Each proxy appends the address that connected to it to X-Forwarded-For, so with N trusted proxies
the N-th entry from the right was written by the outermost one we trust and is the client. Entries
left of it were written by the client (or proxies we do not know) and can be anything: never read
them. With no trusted proxy, or a header shorter than the proxy chain (the request did not pass
through all of them), the connecting address (REMOTE_ADDR) is the only one we can believe.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _parse_address(raw: str) -> str | None:
    """An address from a forwarding header, normalised; None when it is not one.

    Proxies such as Azure Application Gateway append the port ("203.0.113.7:51234", or
    "[2001:db8::1]:51234" for IPv6); the port is dropped.
    """
    value = raw.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address: X-Forwarded-For read TRUSTED_PROXIES hops from the right."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    hops: int = settings.TRUSTED_PROXIES
    if hops <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [entry for entry in header.split(",") if entry.strip()]
    if len(entries) < hops:
        return remote
    # An entry a trusted proxy wrote that is not an address is a misconfigured proxy: fall back to
    # the connecting address (every client then shares it, which is safe) rather than trust text.
    return _parse_address(entries[-hops]) or remote
