from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "tutordesk.events"
    label = "events"
    verbose_name = "Events, webhooks and emails"

    def ready(self) -> None:
        # The audit shapes of this app's changes, so every audit row reads back (audit.details).
        from tutordesk.events import audit  # noqa: F401
