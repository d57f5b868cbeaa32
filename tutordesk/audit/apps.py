from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tutordesk.audit"
    label = "audit"
