from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tutordesk.web"
    label = "web"
