from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "tutordesk.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        # The audit shapes of this app's changes, so every audit row reads back (audit.details).
        from tutordesk.scheduling import audit  # noqa: F401
