"""The expert group's work: goals, indicators and versions; a team's local targets."""

from django.urls import path

from ..views import definitions

urlpatterns = [
    # Goals and indicators of a network.
    path("lkt/<slug:slug>/maal/", definitions.goal_list, name="goal-list"),
    path("lkt/<slug:slug>/maal/nyt/", definitions.goal_create, name="goal-create"),
    path("lkt/<slug:slug>/maal/<uuid:goal_uuid>/rediger/", definitions.goal_edit, name="goal-edit"),
    path(
        "lkt/<slug:slug>/maal/<uuid:goal_uuid>/offentliggoer/", definitions.goal_publish, name="goal-publish"
    ),
    path("lkt/<slug:slug>/indikatorer/", definitions.indicator_list, name="indicator-list"),
    path("lkt/<slug:slug>/indikatorer/ny/", definitions.indicator_create, name="indicator-create"),
    path(
        "lkt/<slug:slug>/indikatorer/<uuid:indicator_uuid>/",
        definitions.indicator_detail,
        name="indicator-detail",
    ),
    path(
        "lkt/<slug:slug>/indikatorer/<uuid:indicator_uuid>/rediger/",
        definitions.indicator_edit,
        name="indicator-edit",
    ),
    path(
        "lkt/<slug:slug>/indikatorer/<uuid:indicator_uuid>/offentliggoer/",
        definitions.indicator_publish,
        name="indicator-publish",
    ),
    path(
        "lkt/<slug:slug>/indikatorer/<uuid:indicator_uuid>/kasser-kladde/",
        definitions.indicator_draft_discard,
        name="indicator-draft-discard",
    ),
    path(
        "lkt/<slug:slug>/indikatorer/<uuid:indicator_uuid>/udgaa/",
        definitions.indicator_retire,
        name="indicator-retire",
    ),
    path(
        "lkt/<slug:slug>/indikatorer/<uuid:indicator_uuid>/slet/",
        definitions.indicator_delete,
        name="indicator-delete",
    ),
    # A team's local targets.
    path("teams/<uuid:team_uuid>/lokale-maal/", definitions.local_target_list, name="local-targets"),
    path(
        "teams/<uuid:team_uuid>/lokale-maal/<uuid:indicator_uuid>/",
        definitions.local_target_edit,
        name="local-target-edit",
    ),
]
