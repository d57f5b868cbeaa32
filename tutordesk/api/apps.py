from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tutordesk.api"
    label = "api"
