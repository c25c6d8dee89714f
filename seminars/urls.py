from django.urls import path

from . import views

app_name = "seminars"

urlpatterns = [
    path("lkt/<slug:slug>/seminarer/", views.seminar_plan, name="plan"),
    path("lkt/<slug:slug>/seminarer/ny/", views.seminar_create, name="seminar-create"),
    path("lkt/<slug:slug>/seminarer/kalender.ics", views.network_ics, name="network-ics"),
    path("seminarer/<uuid:seminar_uuid>/", views.seminar_detail, name="seminar-detail"),
    path("seminarer/<uuid:seminar_uuid>/rediger/", views.seminar_edit, name="seminar-edit"),
    path("seminarer/<uuid:seminar_uuid>/slet/", views.seminar_delete, name="seminar-delete"),
    path("seminarer/<uuid:seminar_uuid>/materialer/", views.material_add, name="material-add"),
    path("seminarer/<uuid:seminar_uuid>/materialer/slet/", views.material_delete, name="material-delete"),
    path(
        "seminarer/<uuid:seminar_uuid>/materialer/<str:filename>",
        views.material_download,
        name="material-download",
    ),
    path("seminarer/<uuid:seminar_uuid>/tilmeld/", views.seminar_register, name="seminar-register"),
    path("seminarer/<uuid:seminar_uuid>/afmeld/", views.seminar_cancel, name="seminar-cancel"),
    path("seminarer/<uuid:seminar_uuid>/fremmoede/", views.seminar_attendance, name="seminar-attendance"),
    path("seminarer/<uuid:seminar_uuid>/kalender.ics", views.seminar_ics, name="seminar-ics"),
]
