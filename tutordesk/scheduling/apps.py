from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "tutordesk.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        # The audit shapes of this app's changes, so every audit row reads back (audit.details).
        from tutordesk.accounts.hooks import register_deactivation_check
        from tutordesk.scheduling import audit  # noqa: F401
        from tutordesk.scheduling.selectors import refuse_deactivating_a_booked_tutor

        # A tutor with lessons still to come is not deactivated (accounts, the floor below, asks).
        register_deactivation_check(refuse_deactivating_a_booked_tutor)
