from django.apps import AppConfig


class TutoringConfig(AppConfig):
    name = "tutordesk.tutoring"
    label = "tutoring"

    def ready(self) -> None:
        # The audit shapes of this app's changes, so every audit row reads back (audit.details).
        from tutordesk.tutoring import audit  # noqa: F401
