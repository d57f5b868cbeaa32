from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "tutordesk.onboarding"
    label = "onboarding"
    verbose_name = "Import and enrolment"

    def ready(self) -> None:
        # The audit shapes of this app's changes, so every audit row reads back (audit.details).
        from tutordesk.onboarding import audit  # noqa: F401
