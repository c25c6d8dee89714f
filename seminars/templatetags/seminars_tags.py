"""Seminar pieces for other apps' pages: a team's seminar history and a network's attendance matrix.

{% load seminars_tags %}
{% team_seminar_history team %}
{% network_seminar_attendance network request.user %}
"""

from django import template

from teams.models import Network, Team
from teams.peers import peer_labels

from ..selectors import network_attendance_matrix, team_seminar_history

register = template.Library()


@register.inclusion_tag("seminars/tag_team_history.html", name="team_seminar_history")
def team_seminar_history_tag(team: Team) -> dict:
    return {"team": team, "history": team_seminar_history(team=team)}


@register.inclusion_tag("seminars/tag_network_attendance.html")
def network_seminar_attendance(network: Network, viewer, team_ids=None, page=None, labels=None) -> dict:
    """Teams x past seminars: how many people of each team attended. Team labels follow
    `teams.peers.peer_labels`, so anonymised peers stay anonymous and hidden peers are left out.

    From the network dashboard: `team_ids`, only its page of teams; `page`, which page that is
    (shown with links to the others); `labels`, the labels it already has for the viewer (the same
    letters as its matrix, given over the whole network; not fetched again)."""
    if labels is None:
        teams = list(Team.objects.filter(network=network).select_related("region"))
        labels = peer_labels(network, viewer, teams=teams)
        ids = [team.id for team in teams]
    else:
        ids = list(labels)
    shown = [team_id for team_id in ids if team_id in labels and (team_ids is None or team_id in team_ids)]
    seminars, counts = network_attendance_matrix(network=network, teams=shown)
    rows = [
        {
            "label": labels[team_id].label,
            "is_own": labels[team_id].is_own,
            "cells": [counts.get((team_id, seminar.id), 0) for seminar in seminars],
        }
        for team_id in shown
    ]
    # Named teams by name; anonymous ones by their letter, so the order leaks nothing either.
    rows.sort(key=lambda row: (not row["is_own"], row["label"]))
    return {"network": network, "seminars": seminars, "rows": rows, "page": page}
