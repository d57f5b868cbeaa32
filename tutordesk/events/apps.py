from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "tutordesk.events"
    label = "events"
    verbose_name = "Events, webhooks and emails"
