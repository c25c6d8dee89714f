from django.urls import path

from . import views

app_name = "clusters"

urlpatterns = [
    path("klynger/", views.home, name="home"),
    path("klynger/datatraek-skabelon/", views.extract_template, name="extract-template"),
    path("klynger/<slug:slug>/", views.cluster_detail, name="cluster-detail"),
    path("klynger/<slug:slug>/medlemmer/", views.cluster_members, name="cluster-members"),
    path(
        "klynger/<slug:slug>/medlemmer/<str:membership_uuid>/",
        views.cluster_member_edit,
        name="cluster-member-edit",
    ),
    path(
        "klynger/<slug:slug>/medlemmer/<str:membership_uuid>/fjern/",
        views.cluster_member_remove,
        name="cluster-member-remove",
    ),
    path("klynger/<slug:slug>/moeder/nyt/", views.meeting_create, name="meeting-create"),
    path("klyngemoeder/<str:meeting_uuid>/", views.meeting_detail, name="meeting-detail"),
    path("klyngemoeder/<str:meeting_uuid>/rediger/", views.meeting_edit, name="meeting-edit"),
    path(
        "klyngemoeder/<str:meeting_uuid>/datatraek-bestilt/",
        views.meeting_extract_requested,
        name="meeting-extract-requested",
    ),
    path("klyngemoeder/<str:meeting_uuid>/datatraek/", views.extract_upload, name="extract-upload"),
    path("klyngemoeder/<str:meeting_uuid>/data/", views.meeting_data, name="meeting-data"),
    path("klyngemoeder/<str:meeting_uuid>/rapport/", views.meeting_report, name="meeting-report"),
    path("klyngemoeder/<str:meeting_uuid>/droeftelse/", views.meeting_discussion, name="meeting-discussion"),
    path("klyngemoeder/<str:meeting_uuid>/maal/", views.goal_add, name="goal-add"),
    path("klyngemoeder/<str:meeting_uuid>/maal/<str:goal_uuid>/slet/", views.goal_delete, name="goal-delete"),
    path("klyngemoeder/<str:meeting_uuid>/opfoelgning/", views.meeting_followup, name="meeting-followup"),
    path("klyngepakker/<slug:slug>/", views.package_detail, name="package-detail"),
    path("klyngepakker/<slug:slug>/rediger/", views.package_edit, name="package-edit"),
    path("pakkeudbydere/<slug:slug>/ny-pakke/", views.package_create, name="package-create"),
    path("pakkeudbydere/<slug:slug>/antibiotikagrupper/", views.provider_groups, name="provider-groups"),
]
