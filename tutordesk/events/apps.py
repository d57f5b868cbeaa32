from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "tutordesk.events"
    label = "events"
    verbose_name = "Events, webhooks and emails"

    def ready(self) -> None:
        # The audit shapes of this app's changes, so every audit row reads back (audit.details).
        from tutordesk.accounts.hooks import register_person_event_listener
        from tutordesk.events import audit  # noqa: F401
        from tutordesk.events.account_emails import account_emails
        from tutordesk.events.emails import register_email_builder
        from tutordesk.events.services import record_person_events

        # People's changes (accounts, the floor below) write their events in their own transaction,
        # and the invitation and reset emails are built from them.
        register_person_event_listener(record_person_events)
        register_email_builder(account_emails)
