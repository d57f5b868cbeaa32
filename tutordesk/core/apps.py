from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tutordesk.core"
    label = "core"
