from django.urls import path

from . import views_tokens

urlpatterns = [
    path("lkt/<slug:slug>/api-tokens/", views_tokens.token_list, name="api-tokens"),
    path("lkt/<slug:slug>/api-tokens/ny/", views_tokens.token_create, name="api-token-create"),
    path(
        "lkt/<slug:slug>/api-tokens/<uuid:token_uuid>/tilbagekald/",
        views_tokens.token_revoke,
        name="api-token-revoke",
    ),
]
