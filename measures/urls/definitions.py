"""The expert group's work: goals, indicators and versions, driver diagrams, PDSA cycles, local targets."""

from django.urls import path

from ..views import definitions, improvement

urlpatterns = [
    # Goals and indicators of a network.
    path("lkt/<slug:slug>/maal/", definitions.goal_list, name="goal-list"),
    path("lkt/<slug:slug>/maal/nyt/", definitions.goal_create, name="goal-create"),
    path("lkt/<slug:slug>/maal/<uuid:goal_uuid>/rediger/", definitions.goal_edit, name="goal-edit"),
    path("lkt/<slug:slug>/maal/<uuid:goal_uuid>/offentliggoer/", definitions.goal_publish, name="goal-publish"),
    path("lkt/<slug:slug>/indikatorer/", definitions.indicator_list, name="indicator-list"),
    path("lkt/<slug:slug>/indikatorer/ny/", definitions.indicator_create, name="indicator-create"),
    path(
        "lkt/<slug:slug>/indikatorer/<uuid:indicator_uuid>/", definitions.indicator_detail, name="indicator-detail"
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
    path("lkt/<slug:slug>/projektbeskrivelse/", definitions.project_description, name="project-description"),
    # Driver diagrams: the network's template and the teams' copies.
    path(
        "lkt/<slug:slug>/driverdiagram/", improvement.driver_diagram_template, name="driver-diagram-template"
    ),
    path(
        "lkt/<slug:slug>/driverdiagram/opret/",
        improvement.driver_diagram_template_create,
        name="driver-diagram-template-create",
    ),
    path(
        "lkt/<slug:slug>/driverdiagram/rediger/",
        improvement.driver_diagram_template_edit,
        name="driver-diagram-template-edit",
    ),
    path(
        "teams/<uuid:team_uuid>/driverdiagram/", improvement.driver_diagram_team, name="driver-diagram-team"
    ),
    path(
        "teams/<uuid:team_uuid>/driverdiagram/kopier/",
        improvement.driver_diagram_team_copy,
        name="driver-diagram-team-copy",
    ),
    path(
        "teams/<uuid:team_uuid>/driverdiagram/rediger/",
        improvement.driver_diagram_team_edit,
        name="driver-diagram-team-edit",
    ),
    path(
        "teams/<uuid:team_uuid>/driverdiagram/aendringer/",
        improvement.driver_diagram_team_history,
        name="driver-diagram-team-history",
    ),
    path(
        "driverdiagram/<uuid:diagram_uuid>/nyt-element/",
        improvement.driver_node_create,
        name="driver-node-create",
    ),
    path("driverdiagram/element/<uuid:node_uuid>/", improvement.driver_node_edit, name="driver-node-edit"),
    path(
        "driverdiagram/element/<uuid:node_uuid>/flyt/", improvement.driver_node_move, name="driver-node-move"
    ),
    path(
        "driverdiagram/element/<uuid:node_uuid>/slet/",
        improvement.driver_node_delete,
        name="driver-node-delete",
    ),
    # PDSA cycles.
    path("lkt/<slug:slug>/pdsa/", improvement.pdsa_network_overview, name="pdsa-list"),
    path("teams/<uuid:team_uuid>/pdsa/", improvement.pdsa_team_list, name="pdsa-team-list"),
    path("teams/<uuid:team_uuid>/pdsa/ny/", improvement.pdsa_create, name="pdsa-create"),
    path("pdsa/<uuid:cycle_uuid>/", improvement.pdsa_detail, name="pdsa-detail"),
    path("pdsa/<uuid:cycle_uuid>/rediger/", improvement.pdsa_edit, name="pdsa-edit"),
    path("pdsa/<uuid:cycle_uuid>/slet/", improvement.pdsa_delete, name="pdsa-delete"),
    # A team's local targets.
    path("teams/<uuid:team_uuid>/lokale-maal/", definitions.local_target_list, name="local-targets"),
    path(
        "teams/<uuid:team_uuid>/lokale-maal/<uuid:indicator_uuid>/",
        definitions.local_target_edit,
        name="local-target-edit",
    ),
]
