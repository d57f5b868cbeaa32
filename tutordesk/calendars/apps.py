from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "tutordesk.calendars"
    label = "calendars"

    def ready(self) -> None:
        # The audit shapes of this app's changes, so every audit row reads back (audit.details).
        from tutordesk.calendars import audit  # noqa: F401
