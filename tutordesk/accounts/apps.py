from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tutordesk.accounts"
    label = "accounts"

    def ready(self) -> None:
        # The audit shapes of this app's changes, so every audit row reads back (audit.details).
        from tutordesk.accounts import audit  # noqa: F401
