from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tutordesk.reports"
    label = "reports"
