"""The improvement work: the project description, driver diagrams (template and team copies), PDSA cycles."""

from django.urls import path

from ..views import improvement

urlpatterns = [
    path("lkt/<slug:slug>/projektbeskrivelse/", improvement.project_description, name="project-description"),
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
    path("pdsa/<uuid:cycle_uuid>/del/", improvement.pdsa_share, name="pdsa-share"),
    path("lkt/<slug:slug>/idebank/", improvement.idea_bank, name="idea-bank"),
    path("pdsa/<uuid:cycle_uuid>/slet/", improvement.pdsa_delete, name="pdsa-delete"),
]
