"""The reports of a seminar, shown on the seminar's page (which the seminars app cannot import)."""

from django import template

from reports.selectors import may_download_anonymised, may_download_named, snapshots_visible_to
from teams.access import network_access

register = template.Library()


@register.inclusion_tag("reports/seminar_reports.html", takes_context=True)
def seminar_reports(context, seminar) -> dict:
    user = context["request"].user
    access = network_access(user, seminar.network)
    snapshots = list(
        snapshots_visible_to(user, network=seminar.network, access=access).filter(seminar=seminar)
    )
    for snapshot in snapshots:
        snapshot.can_named = may_download_named(snapshot, access)
        snapshot.can_anonymised = may_download_anonymised(snapshot, access)
    return {"snapshots": snapshots, "network": seminar.network, "show_seminar": False, "access": access}
