from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "tutordesk.meetings"
    label = "meetings"
    verbose_name = "Meeting links"

    def ready(self) -> None:
        # The audit shapes of this app's changes, so every audit row reads back (audit.details).
        from tutordesk.events.jobs import JobKind, register_event_listener, register_job_kind
        from tutordesk.meetings import audit  # noqa: F401
        from tutordesk.meetings.providers import MeetingLinks
        from tutordesk.meetings.sync import JOB_KIND, JOB_LEASE, link_failed, on_events, sync_event
        from tutordesk.scheduling.links import register_link_provider

        # Lessons ask the provider for their link when they are made or their link is cleared;
        # the worker runs the Google calls, and hears of every change to a lesson through its events.
        register_link_provider(MeetingLinks())
        register_job_kind(JobKind(name=JOB_KIND, run=sync_event, on_failed=link_failed, lease=JOB_LEASE))
        register_event_listener(on_events)
