from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data: the top floor, which may import every other app."""

    name = "tutordesk.demo"
    label = "demo"
