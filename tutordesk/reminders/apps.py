from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "tutordesk.reminders"
    label = "reminders"
    verbose_name = "Reminders"

    def ready(self) -> None:
        from tutordesk.events.emails import register_email_builder
        from tutordesk.events.jobs import JobKind, register_event_listener, register_job_kind
        from tutordesk.reminders import emails, jobs

        # Lessons booked (or moved: the replacement is a new lesson) get their reminders and nudge
        # as the worker fans their events out; the jobs fall due before and after each lesson.
        register_event_listener(jobs.on_events)
        register_job_kind(JobKind(name=jobs.REMINDER_JOB, run=jobs.reminder_due))
        register_job_kind(JobKind(name=jobs.NUDGE_JOB, run=jobs.nudge_due))
        register_job_kind(JobKind(name=jobs.TUTOR_NUDGE_JOB, run=jobs.tutor_nudge_due))
        register_email_builder(emails.reminder_emails)
