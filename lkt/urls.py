from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from measures.views import dashboards
from teams import views_login as login_views
from teams.oidc import sso_callback, sso_login

urlpatterns = [
    path("", dashboards.home, name="home"),
    path("login/", login_views.login_view, name="login"),
    path("login/kode/", login_views.login_totp, name="login-totp"),
    path("konto/totrinslogin/", login_views.totp_setup, name="totp-setup"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/sso/", sso_login, name="sso-login"),
    path("login/sso/callback/", sso_callback, name="sso-callback"),
    path("sprog/", set_language, name="set_language"),
    path("", include("teams.urls")),
    path("", include("measures.urls")),
    path("", include("seminars.urls")),
    path("", include("clusters.urls")),
    path("", include("reports.urls")),
    path("api/v1/", include("lkt.api_urls")),
    path("admin/", admin.site.urls),
]
# No static() route for MEDIA_URL, in DEBUG neither: seminar materials are private to the network
# and are downloaded only through seminars.views.material_download, which checks access.

handler400 = "lkt.errors.bad_request"
handler403 = "lkt.errors.permission_denied"
handler404 = "lkt.errors.page_not_found"
handler500 = "lkt.errors.server_error"
