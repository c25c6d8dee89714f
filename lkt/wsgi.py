import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lkt.settings")
application = get_wsgi_application()

from lkt.serving import refuse_unsafe_serving  # noqa: E402  (needs the settings loaded above)

refuse_unsafe_serving()
