from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data loader (`manage.py load_demo`): above every app, since it builds all of them."""

    name = "demo"
