from django.apps import AppConfig


class TutoringConfig(AppConfig):
    name = "tutordesk.tutoring"
    label = "tutoring"
