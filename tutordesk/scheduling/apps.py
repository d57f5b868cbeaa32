from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "tutordesk.scheduling"
    label = "scheduling"
